using System.Text.Json;
using System.Text.Json.Serialization;

namespace Repro.Core.Data.Coco;

// The COCO file formats as plain records (field names as in the COCO spec). Reading with validation lives in
// CocoReader; these types only describe the shapes, so evaluation and the data layer share them.

public sealed record CocoImage
{
    [JsonPropertyName("id")] public long Id { get; init; }
    [JsonPropertyName("file_name")] public string FileName { get; init; } = "";
    [JsonPropertyName("width")] public int Width { get; init; }
    [JsonPropertyName("height")] public int Height { get; init; }
}

public sealed record CocoCategory
{
    [JsonPropertyName("id")] public int Id { get; init; }
    [JsonPropertyName("name")] public string Name { get; init; } = "";
    [JsonPropertyName("supercategory")] public string? Supercategory { get; init; }
}

public sealed record CocoAnnotation
{
    [JsonPropertyName("id")] public long Id { get; init; }
    [JsonPropertyName("image_id")] public long ImageId { get; init; }
    [JsonPropertyName("category_id")] public int CategoryId { get; init; }
    /// <summary>[x, y, width, height] in pixels.</summary>
    [JsonPropertyName("bbox")] public double[] Bbox { get; init; } = Array.Empty<double>();
    /// <summary>The area COCO evaluation uses for small/medium/large (the mask area on real COCO, not w·h).</summary>
    [JsonPropertyName("area")] public double Area { get; init; }
    [JsonPropertyName("iscrowd")] public int IsCrowd { get; init; }
    /// <summary>Polygons (list of lists) or RLE (object); kept raw until mask evaluation needs it.</summary>
    [JsonPropertyName("segmentation")] public JsonElement? Segmentation { get; init; }
}

/// <summary>An instances file: images, annotations, categories.</summary>
public sealed record CocoDataset
{
    [JsonPropertyName("info")] public JsonElement? Info { get; init; }
    [JsonPropertyName("images")] public List<CocoImage> Images { get; init; } = new();
    [JsonPropertyName("annotations")] public List<CocoAnnotation> Annotations { get; init; } = new();
    [JsonPropertyName("categories")] public List<CocoCategory> Categories { get; init; } = new();
}

/// <summary>One detection in the COCO results format.</summary>
public sealed record CocoResult
{
    [JsonPropertyName("image_id")] public long ImageId { get; init; }
    [JsonPropertyName("category_id")] public int CategoryId { get; init; }
    [JsonPropertyName("bbox")] public double[] Bbox { get; init; } = Array.Empty<double>();
    [JsonPropertyName("score")] public double Score { get; init; }
}

/// <summary>Category ids (sparse, as in the file) ↔ contiguous class indices 0..C-1 (sorted by id).</summary>
public sealed class CategoryMap
{
    readonly int[] _ids;
    readonly Dictionary<int, int> _index;

    public CategoryMap(IEnumerable<CocoCategory> categories)
    {
        _ids = categories.Select(c => c.Id).OrderBy(i => i).ToArray();
        _index = new Dictionary<int, int>();
        for (int i = 0; i < _ids.Length; i++)
            if (!_index.TryAdd(_ids[i], i)) throw new InvalidDataException($"duplicate category id {_ids[i]}");
    }

    public int Count => _ids.Length;
    public int IdOf(int index) => _ids[index];
    public bool TryIndexOf(int id, out int index) => _index.TryGetValue(id, out index);
    public int IndexOf(int id) => _index.TryGetValue(id, out var i) ? i : throw new KeyNotFoundException($"unknown category id {id}");
}

public static class CocoJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = false,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}
