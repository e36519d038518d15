using System.Text;
using System.Text.Json;

namespace Repro.Core.Data.Fractions;

/// <summary>
/// Labelled fractions of a training set, nested by construction: the image ids are sorted, permuted once with the
/// seed, and a fraction f takes the first round(f·N) of that permutation — so for one seed 20% ⊂ 50% ⊂ 100%.
/// </summary>
public static class LabelledFraction
{
    static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>How many of <paramref name="total"/> images a fraction keeps: round(f·N), at least 1 when N > 0.</summary>
    public static int CountFor(int total, double fraction)
    {
        CheckFraction(fraction);
        if (total == 0) return 0;
        return Math.Clamp((int)Math.Round(fraction * total, MidpointRounding.AwayFromZero), 1, total);
    }

    /// <summary>The chosen image ids, ascending. Duplicated input ids count once; input order does not matter.</summary>
    public static long[] Select(IEnumerable<long> imageIds, double fraction, int seed)
    {
        var ids = imageIds.Distinct().Order().ToArray();
        var perm = SeededPermutation.Create(ids.Length, SeededPermutation.Combine(seed, 0x4C4142454C4C4544)); // "LABELLED"
        int n = CountFor(ids.Length, fraction);
        var chosen = new long[n];
        for (int i = 0; i < n; i++) chosen[i] = ids[perm[i]];
        Array.Sort(chosen);
        return chosen;
    }

    /// <summary>A manifest for the fraction of the images in a read instances file.</summary>
    public static LabelledFractionManifest CreateManifest(Coco.CocoReadResult source, double fraction, int seed)
    {
        var ids = source.Dataset.Images.Select(i => i.Id).ToArray();
        return WithHash(new LabelledFractionManifest
        {
            Fraction = fraction, Seed = seed, SourceFile = Path.GetFileName(source.SourcePath), SourceSha256 = source.SourceSha256,
            SourceImageCount = ids.Length, ImageIds = Select(ids, fraction, seed),
        });
    }

    /// <summary>SHA-256 (hex) of the manifest's canonical JSON with an empty content hash.</summary>
    public static string ComputeContentHash(LabelledFractionManifest m) =>
        FileHash.Sha256(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(m with { ContentHash = "" })));

    public static LabelledFractionManifest WithHash(LabelledFractionManifest m) => m with { ContentHash = ComputeContentHash(m) };

    /// <summary>Writes the manifest atomically as indented JSON.</summary>
    public static void Write(LabelledFractionManifest manifest, string path)
    {
        Validate(manifest, path);
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(manifest, Json));
    }

    /// <summary>Reads and validates a manifest (fields, sorted unique ids, count, content hash). With
    /// <paramref name="expectedSourceSha256"/>, also checks it was drawn from that instances file.</summary>
    public static LabelledFractionManifest Read(string path, string? expectedSourceSha256 = null)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"labelled-fraction manifest not found: {path}", path);
        LabelledFractionManifest? m;
        try { m = JsonSerializer.Deserialize<LabelledFractionManifest>(File.ReadAllBytes(path)); }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: malformed manifest JSON at line {(e.LineNumber ?? 0) + 1}, position {(e.BytePositionInLine ?? 0) + 1}: {e.Message}", e);
        }
        if (m == null) throw new InvalidDataException($"{path}: manifest is null");
        Validate(m, path);
        var hash = ComputeContentHash(m);
        if (!string.Equals(hash, m.ContentHash, StringComparison.Ordinal))
            throw new InvalidDataException($"{path}: content_hash {m.ContentHash} does not match the content (expected {hash}); the file was modified");
        if (expectedSourceSha256 != null && !string.Equals(m.SourceSha256, expectedSourceSha256, StringComparison.OrdinalIgnoreCase))
            throw new InvalidDataException($"{path}: source_sha256 {m.SourceSha256} is not the expected instances file {expectedSourceSha256}");
        return m;
    }

    static void Validate(LabelledFractionManifest m, string path)
    {
        if (!(m.Fraction > 0 && m.Fraction <= 1)) throw new InvalidDataException($"{path}: fraction {m.Fraction} must be in (0, 1]");
        if (string.IsNullOrEmpty(m.SourceSha256)) throw new InvalidDataException($"{path}: source_sha256 is missing");
        if (m.ImageIds == null) throw new InvalidDataException($"{path}: image_ids is missing");
        for (int i = 1; i < m.ImageIds.Length; i++)
            if (m.ImageIds[i] <= m.ImageIds[i - 1])
                throw new InvalidDataException($"{path}: image_ids[{i}] = {m.ImageIds[i]} is not strictly ascending (duplicate or unsorted)");
        int expected = CountFor(m.SourceImageCount, m.Fraction);
        if (m.ImageIds.Length != expected)
            throw new InvalidDataException($"{path}: image_ids has {m.ImageIds.Length} ids, expected {expected} = fraction {m.Fraction} of source_image_count {m.SourceImageCount}");
    }

    static void CheckFraction(double fraction)
    {
        if (!(fraction > 0 && fraction <= 1)) throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "labelled fraction must be in (0, 1]");
    }
}
