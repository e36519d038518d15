using System.Text.Json;
using System.Text.Json.Serialization;

namespace Repro.Core.Data.Miniature;

/// <summary>
/// What a generated miniature holds: its config and hashes, counts, label names and size buckets. Written last as
/// <c>manifest.json</c> (the completion marker); paths are relative to <see cref="Root"/> (see
/// <see cref="MiniatureLayout"/>), so the folder can move.
/// </summary>
public sealed record MiniatureManifest
{
    /// <summary>Changes whenever the generator would produce different files for the same config.</summary>
    public const string CurrentGeneratorVersion = "miniature-1";

    public string GeneratorVersion { get; init; } = CurrentGeneratorVersion;
    /// <summary>SHA-256 (hex) of the config's JSON and the generator version; its first 16 characters name the folder.</summary>
    public string ConfigHash { get; init; } = "";
    /// <summary>SHA-256 (hex) over every file's relative path and SHA-256, in ordinal path order (manifest excluded).</summary>
    public string ContentHash { get; init; } = "";
    public int FileCount { get; init; }
    public MiniatureConfig Config { get; init; } = new();

    public int DetectionTrainCount { get; init; }
    public int DetectionValCount { get; init; }
    public int UnlabeledCount { get; init; }
    public int ClassificationTrainCount { get; init; }
    public int ClassificationValCount { get; init; }
    public int SegmentationTrainCount { get; init; }
    public int SegmentationTrainAugCount { get; init; }
    public int SegmentationValCount { get; init; }

    /// <summary>Detection category names; category id = index + 1.</summary>
    public List<string> DetectionCategories { get; init; } = new();
    /// <summary>Classification class (folder) names, in class-index order.</summary>
    public List<string> ClassificationClasses { get; init; } = new();
    /// <summary>Segmentation label names; label k = index k (0 = background); 255 = ignore.</summary>
    public List<string> SegmentationClasses { get; init; } = new();

    /// <summary>COCO-style size buckets for this image size: small if area &lt; this …</summary>
    public double SmallMaxArea { get; init; }
    /// <summary>… large if area &gt; this (COCO uses 32² and 96² on ~640 px images).</summary>
    public double LargeMinArea { get; init; }

    /// <summary>The folder the manifest was loaded from or written to (not serialised).</summary>
    [JsonIgnore] public string Root { get; init; } = "";

    /// <summary>Absolute path of a <see cref="MiniatureLayout"/> relative path.</summary>
    public string PathOf(string relative) => Path.Combine(Root, relative);

    [JsonIgnore] public string DetectionTrainImages => PathOf(MiniatureLayout.DetectionTrainImages);
    [JsonIgnore] public string DetectionValImages => PathOf(MiniatureLayout.DetectionValImages);
    [JsonIgnore] public string DetectionTrainAnnotations => PathOf(MiniatureLayout.DetectionTrainAnnotations);
    [JsonIgnore] public string DetectionValAnnotations => PathOf(MiniatureLayout.DetectionValAnnotations);
    [JsonIgnore] public string ClassificationTrain => PathOf(MiniatureLayout.ClassificationTrain);
    [JsonIgnore] public string ClassificationVal => PathOf(MiniatureLayout.ClassificationVal);
    [JsonIgnore] public string UnlabeledImages => PathOf(MiniatureLayout.UnlabeledImages);
    /// <summary>Hidden labels of the unlabeled pool: for measuring pseudo-labels only, never for training.</summary>
    [JsonIgnore] public string UnlabeledHiddenAnnotations => PathOf(MiniatureLayout.UnlabeledHiddenAnnotations);
    /// <summary>The VOC2012 folder (JPEGImages, SegmentationClass, ImageSets/Segmentation).</summary>
    [JsonIgnore] public string VocRoot => PathOf(MiniatureLayout.VocRoot);

    /// <summary>Recomputes the content hash of the files under <see cref="Root"/> and throws
    /// <see cref="InvalidDataException"/> naming the folder when it differs from the manifest's: cached data that was
    /// edited or damaged would otherwise train under the name (hash) of the data it no longer is. About 0.5 s for the
    /// default miniature's 17.8k files with a warm file cache.</summary>
    public void VerifyContent()
    {
        var (hash, files) = DirectoryContentHash.Compute(Root, MiniatureLayout.Manifest);
        if (hash == ContentHash && files == FileCount) return;
        throw new InvalidDataException(
            $"{Root}: the cached miniature's files do not match its manifest ({files} files with content hash {hash[..16]}…, " +
            $"the manifest says {FileCount} with {ContentHash[..Math.Min(16, ContentHash.Length)]}…): they were edited or damaged. " +
            "Delete this folder; the next command regenerates it.");
    }

    static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Reads <c>manifest.json</c> from <paramref name="root"/>; <see cref="InvalidDataException"/> naming the
    /// file when it is missing or malformed.</summary>
    public static MiniatureManifest Load(string root)
    {
        var path = Path.Combine(root, MiniatureLayout.Manifest);
        if (!File.Exists(path)) throw new InvalidDataException($"{path}: miniature manifest not found (generation incomplete?)");
        try
        {
            var m = JsonSerializer.Deserialize<MiniatureManifest>(File.ReadAllText(path), Json)
                    ?? throw new InvalidDataException($"{path}: empty manifest");
            if (string.IsNullOrEmpty(m.ConfigHash)) throw new InvalidDataException($"{path}: field ConfigHash is missing");
            return m with { Root = Path.GetFullPath(root) };
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: malformed manifest: {e.Message}", e);
        }
    }
}
