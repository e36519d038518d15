using System.Text.Json;

namespace Repro.Core.Data.Coco;

/// <summary>COCO run-length encoding of a mask: size [height, width] and counts, either as numbers (uncompressed,
/// used for crowd regions) or as COCO's compressed string.</summary>
public sealed record CocoRle(int Height, int Width, long[]? Counts, string? CompressedCounts);

/// <summary>
/// A parsed COCO "segmentation" field: a list of polygons (flat [x1,y1,x2,y2,...] in pixels) or one RLE.
/// The detection pipeline does not use masks; this exists so files are validated fully and mask evaluation can use it.
/// </summary>
public sealed record CocoSegmentation
{
    public IReadOnlyList<double[]> Polygons { get; init; } = Array.Empty<double[]>();
    public CocoRle? Rle { get; init; }
    public bool IsRle => Rle != null;

    /// <summary>Parses a segmentation value; <paramref name="context"/> (file and field) prefixes error messages.</summary>
    public static CocoSegmentation Parse(JsonElement value, string context)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Array:
                var polygons = new List<double[]>();
                int p = 0;
                foreach (var poly in value.EnumerateArray())
                {
                    if (poly.ValueKind != JsonValueKind.Array)
                        throw new InvalidDataException($"{context}[{p}]: polygon must be an array of numbers, got {poly.ValueKind}");
                    var coords = new double[poly.GetArrayLength()];
                    int i = 0;
                    foreach (var c in poly.EnumerateArray())
                    {
                        if (c.ValueKind != JsonValueKind.Number || !c.TryGetDouble(out var d) || !double.IsFinite(d))
                            throw new InvalidDataException($"{context}[{p}][{i}]: polygon coordinate must be a finite number");
                        coords[i++] = d;
                    }
                    if (coords.Length % 2 != 0)
                        throw new InvalidDataException($"{context}[{p}]: polygon has an odd number of coordinates ({coords.Length})");
                    polygons.Add(coords);
                    p++;
                }
                return new CocoSegmentation { Polygons = polygons };
            case JsonValueKind.Object:
                return new CocoSegmentation { Rle = ParseRle(value, context) };
            default:
                throw new InvalidDataException($"{context}: segmentation must be a polygon list or an RLE object, got {value.ValueKind}");
        }
    }

    static CocoRle ParseRle(JsonElement value, string context)
    {
        if (!value.TryGetProperty("size", out var size) || size.ValueKind != JsonValueKind.Array || size.GetArrayLength() != 2
            || size.EnumerateArray().Any(s => s.ValueKind != JsonValueKind.Number || !s.TryGetInt32(out var v) || v < 0))
            throw new InvalidDataException($"{context}.size: RLE needs size [height, width] of non-negative integers");
        int h = size[0].GetInt32(), w = size[1].GetInt32();
        if (!value.TryGetProperty("counts", out var counts))
            throw new InvalidDataException($"{context}.counts: RLE is missing its counts");
        if (counts.ValueKind == JsonValueKind.String) return new CocoRle(h, w, null, counts.GetString());
        if (counts.ValueKind != JsonValueKind.Array)
            throw new InvalidDataException($"{context}.counts: must be a string or an array of integers, got {counts.ValueKind}");
        var runs = new long[counts.GetArrayLength()];
        long total = 0;
        int i = 0;
        foreach (var c in counts.EnumerateArray())
        {
            if (c.ValueKind != JsonValueKind.Number || !c.TryGetInt64(out var n) || n < 0)
                throw new InvalidDataException($"{context}.counts[{i}]: run length must be a non-negative integer");
            runs[i++] = n;
            total += n;
        }
        if (total != (long)h * w)
            throw new InvalidDataException($"{context}.counts: run lengths sum to {total}, expected height*width = {(long)h * w}");
        return new CocoRle(h, w, runs, null);
    }
}
