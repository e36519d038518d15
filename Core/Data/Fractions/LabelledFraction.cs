using System.Text;
using System.Text.Json;

namespace Repro.Core.Data.Fractions;

/// <summary>
/// Labelled fractions of a training set, nested by construction: the image ids are sorted, permuted once with the
/// seed, and a fraction f takes the first round(f·N) of that permutation — so for one seed 20% ⊂ 50% ⊂ 100%.
/// A held-out share ("minival", where schedules are selected) leaves the pool first, by a permutation of its own, so
/// every fraction of one seed is drawn from the same remaining images and never sees a held-out one.
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
    public static long[] Select(IEnumerable<long> imageIds, double fraction, int seed) =>
        FirstOfPermutation(imageIds, Comparer<long>.Default, SeededPermutation.Combine(seed, Labelled), n => CountFor(n, fraction));

    const long Labelled = 0x4C4142454C4C4544; // "LABELLED"
    const long Minival = 0x4D494E4956414C;    // "MINIVAL"

    /// <summary>The distinct ids sorted by <paramref name="order"/>, permuted with <paramref name="stream"/>; the
    /// first <paramref name="count"/>(N) of them, sorted again.</summary>
    static T[] FirstOfPermutation<T>(IEnumerable<T> imageIds, IComparer<T> order, ulong stream, Func<int, int> count)
    {
        var ids = imageIds.Distinct().Order(order).ToArray();
        var perm = SeededPermutation.Create(ids.Length, stream);
        var chosen = new T[count(ids.Length)];
        for (int i = 0; i < chosen.Length; i++) chosen[i] = ids[perm[i]];
        Array.Sort(chosen, order);
        return chosen;
    }

    /// <summary>How many of <paramref name="total"/> images a held-out share takes: round(s·N), at least 1 when
    /// s &gt; 0, and never all of them (the labelled pool keeps at least one image).</summary>
    public static int HeldOutCountFor(int total, double share)
    {
        CheckHeldOutShare(share);
        if (share == 0 || total < 2) return 0;
        return Math.Clamp((int)Math.Round(share * total, MidpointRounding.AwayFromZero), 1, total - 1);
    }

    /// <summary>The held-out image ids, ascending: the first round(s·N) of a permutation drawn with its own stream of
    /// <paramref name="seed"/> (independent of the fraction's).</summary>
    public static long[] SelectHeldOut(IEnumerable<long> imageIds, double share, int seed) =>
        FirstOfPermutation(imageIds, Comparer<long>.Default, SeededPermutation.Combine(seed, Minival), n => HeldOutCountFor(n, share));

    /// <summary>The same for string ids (a VOC image set), in ordinal order.</summary>
    public static string[] SelectHeldOut(IEnumerable<string> imageIds, double share, int seed) =>
        FirstOfPermutation(imageIds, StringComparer.Ordinal, SeededPermutation.Combine(seed, Minival), n => HeldOutCountFor(n, share));

    /// <summary>A manifest for the fraction of the images in a read instances file, drawn from what remains after
    /// the held-out share (none by default).</summary>
    public static LabelledFractionManifest CreateManifest(Coco.CocoReadResult source, double fraction, int seed, double heldOutShare = 0)
    {
        var ids = source.Dataset.Images.Select(i => i.Id).ToArray();
        var heldOut = SelectHeldOut(ids, heldOutShare, seed);
        var pool = ids.Except(heldOut).ToArray();
        return WithHash(new LabelledFractionManifest
        {
            Fraction = fraction, Seed = seed, SourceFile = Path.GetFileName(source.SourcePath), SourceSha256 = source.SourceSha256,
            SourceImageCount = ids.Length, ImageIds = Select(pool, fraction, seed),
            HeldOutShare = heldOutShare, HeldOutImageIds = heldOut.Length > 0 ? heldOut : null,
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
        if (!(m.HeldOutShare >= 0 && m.HeldOutShare < 1)) throw new InvalidDataException($"{path}: held_out_share {m.HeldOutShare} must be in [0, 1)");
        var heldOut = m.HeldOutImageIds ?? Array.Empty<long>();
        if (heldOut.Length != HeldOutCountFor(m.SourceImageCount, m.HeldOutShare))
            throw new InvalidDataException($"{path}: held_out_image_ids has {heldOut.Length} ids, expected {HeldOutCountFor(m.SourceImageCount, m.HeldOutShare)} = held_out_share {m.HeldOutShare} of source_image_count {m.SourceImageCount}");
        for (int i = 1; i < heldOut.Length; i++)
            if (heldOut[i] <= heldOut[i - 1])
                throw new InvalidDataException($"{path}: held_out_image_ids[{i}] = {heldOut[i]} is not strictly ascending (duplicate or unsorted)");
        var heldOutSet = heldOut.ToHashSet();
        foreach (var id in m.ImageIds)
            if (heldOutSet.Contains(id)) throw new InvalidDataException($"{path}: image {id} is both labelled and held out");
        int expected = CountFor(m.SourceImageCount - heldOut.Length, m.Fraction);
        if (m.ImageIds.Length != expected)
            throw new InvalidDataException($"{path}: image_ids has {m.ImageIds.Length} ids, expected {expected} = fraction {m.Fraction} of source_image_count {m.SourceImageCount} less {heldOut.Length} held out");
    }

    static void CheckHeldOutShare(double share)
    {
        if (!(share >= 0 && share < 1)) throw new ArgumentOutOfRangeException(nameof(share), share, "held-out share must be in [0, 1)");
    }

    static void CheckFraction(double fraction)
    {
        if (!(fraction > 0 && fraction <= 1)) throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "labelled fraction must be in (0, 1]");
    }
}
