using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Repro.Core.Data.Miniature;

/// <summary>
/// Generates the miniature study's data (detection, classification pool, unlabeled pool, segmentation) into
/// <c>&lt;cacheRoot&gt;/miniature-&lt;config hash&gt;/</c>. Deterministic (same config → byte-identical files) and
/// cached: a folder whose manifest matches is reused untouched. Everything is written into a private temp folder
/// that is renamed into place whole, so a half-written folder is never seen under the final name, and two racing
/// processes both end with the same complete folder.
/// </summary>
public static class MiniatureGenerator
{
    /// <summary>SHA-256 (hex) of the config's JSON plus the generator version.</summary>
    public static string ConfigHash(MiniatureConfig config)
    {
        var json = JsonSerializer.Serialize(config);
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{MiniatureManifest.CurrentGeneratorVersion}\n{json}"))).ToLowerInvariant();
    }

    /// <summary>The folder a config's data lives in under <paramref name="cacheRoot"/>.</summary>
    public static string FolderFor(MiniatureConfig config, string cacheRoot) =>
        Path.Combine(Path.GetFullPath(cacheRoot), "miniature-" + ConfigHash(config)[..16]);

    /// <summary>Returns the manifest of the cached data for <paramref name="config"/>, generating it first when the
    /// folder is missing or has no matching manifest.</summary>
    public static MiniatureManifest Generate(MiniatureConfig config, string cacheRoot, IProgress<MiniatureProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (string.IsNullOrWhiteSpace(cacheRoot)) throw new ArgumentException("cache root must be a folder path", nameof(cacheRoot));
        config.Validate();
        string hash = ConfigHash(config), final = FolderFor(config, cacheRoot);
        if (TryLoadMatching(final, hash) is { } cached) return cached;

        Directory.CreateDirectory(Path.GetDirectoryName(final)!);
        RemoveAbandonedTemps(final);
        string tmp = $"{final}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            var manifest = WriteAll(config, hash, tmp, progress);
            if (Directory.Exists(final) && TryLoadMatching(final, hash) is null) DiscardStale(final);
            try
            {
                Directory.Move(tmp, final);
            }
            catch (IOException) when (TryLoadMatching(final, hash) is not null)
            {
                // Another process published the same data first: use theirs.
            }
            return TryLoadMatching(final, hash) ?? throw new IOException($"{final}: generated miniature could not be published");
        }
        finally
        {
            if (Directory.Exists(tmp)) Directory.Delete(tmp, recursive: true);
        }
    }

    /// <summary>Writes every part and, last, the manifest into <paramref name="dir"/>.</summary>
    static MiniatureManifest WriteAll(MiniatureConfig config, string hash, string dir, IProgress<MiniatureProgress>? progress)
    {
        Directory.CreateDirectory(dir);
        var generator = new SceneGenerator(config);
        DetectionSetWriter.WriteSplits(generator, config, dir, progress);
        ClassificationPoolWriter.Write(generator, config, dir, progress);
        UnlabeledPoolWriter.Write(generator, config, dir, progress);
        SegmentationSetWriter.Write(generator, config, dir, progress);
        var (content, files) = DirectoryContentHash.Compute(dir, MiniatureLayout.Manifest);
        int classes = ShapeCatalog.ClassificationClasses.Count;
        var manifest = new MiniatureManifest
        {
            ConfigHash = hash, ContentHash = content, FileCount = files, Config = config,
            DetectionTrainCount = config.DetectionTrainCount, DetectionValCount = config.DetectionValCount,
            UnlabeledCount = config.UnlabeledCount,
            ClassificationTrainCount = classes * config.ClassificationTrainPerClass,
            ClassificationValCount = classes * config.ClassificationValPerClass,
            SegmentationTrainCount = config.SegmentationTrainCount, SegmentationTrainAugCount = config.SegmentationTrainAugCount,
            SegmentationValCount = config.SegmentationValCount,
            DetectionCategories = ShapeCatalog.DetectionNames.ToList(),
            ClassificationClasses = ShapeCatalog.ClassificationClasses.Select(c => c.Name).ToList(),
            SegmentationClasses = ShapeCatalog.SegmentationNames.ToList(),
            SmallMaxArea = config.SmallMaxArea, LargeMinArea = config.LargeMinArea,
        };
        AtomicFile.WriteAllText(Path.Combine(dir, MiniatureLayout.Manifest), manifest.ToJson());
        return manifest with { Root = dir };
    }

    static MiniatureManifest? TryLoadMatching(string dir, string hash)
    {
        if (!File.Exists(Path.Combine(dir, MiniatureLayout.Manifest))) return null;
        try
        {
            var m = MiniatureManifest.Load(dir);
            return m.ConfigHash == hash && m.GeneratorVersion == MiniatureManifest.CurrentGeneratorVersion ? m : null;
        }
        catch (InvalidDataException)
        {
            return null;
        }
    }

    /// <summary>Generation takes about a minute; temp/stale folders of this config older than this were left by a
    /// crashed process and are removed.</summary>
    static readonly TimeSpan AbandonedAfter = TimeSpan.FromHours(6);

    static void RemoveAbandonedTemps(string final)
    {
        var parent = Path.GetDirectoryName(final)!;
        foreach (var dir in Directory.EnumerateDirectories(parent, Path.GetFileName(final) + ".*"))
        {
            if (!(dir.EndsWith(".tmp") || dir.EndsWith(".stale"))) continue;
            if (DateTime.UtcNow - Directory.GetLastWriteTimeUtc(dir) < AbandonedAfter) continue;
            try { Directory.Delete(dir, recursive: true); }
            catch (IOException) { } // another process is removing it too
            catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>Moves an incomplete or mismatching folder aside, then deletes it (the rename frees the name at once).</summary>
    static void DiscardStale(string dir)
    {
        string trash = $"{dir}.{Environment.ProcessId}.{Guid.NewGuid():N}.stale";
        try
        {
            Directory.Move(dir, trash);
        }
        catch (IOException) when (!Directory.Exists(dir))
        {
            return; // someone else removed it already
        }
        catch (DirectoryNotFoundException)
        {
            return;
        }
        Directory.Delete(trash, recursive: true);
    }
}
