using Repro.Core.Data.Miniature;

namespace Repro.Core.Tests.Miniature;

/// <summary>
/// The miniature the Core tests read: the default difficulty (every texture, clutter, truncation, the default object
/// sizes) at tens of images per split, so the generator's distributions are tested as the study uses them. (The
/// harness's smoke preset is easier and larger; its own tests run it.)
/// </summary>
public static class TestMiniature
{
    public static MiniatureConfig Config { get; } = MiniatureConfig.Default with
    {
        DetectionTrainCount = 24, DetectionValCount = 12, UnlabeledCount = 24,
        ClassificationTrainPerClass = 3, ClassificationValPerClass = 1,
        SegmentationTrainAugCount = 16, SegmentationTrainCount = 8, SegmentationValCount = 8,
    };
}

/// <summary>The test miniature, generated once into a temp folder for the tests that only read it.</summary>
public sealed class SmokeMiniatureFixture : IDisposable
{
    public string CacheRoot { get; } = Path.Combine(Path.GetTempPath(), $"repro-mini-smoke-{Guid.NewGuid():N}");
    public MiniatureConfig Config { get; } = TestMiniature.Config;
    public MiniatureManifest Manifest { get; }
    public SceneGenerator Generator { get; }

    public SmokeMiniatureFixture()
    {
        Manifest = MiniatureGenerator.Generate(Config, CacheRoot);
        Generator = new SceneGenerator(Config);
    }

    public void Dispose()
    {
        if (Directory.Exists(CacheRoot)) Directory.Delete(CacheRoot, recursive: true);
    }
}

/// <summary>Tiny configs for the tests that generate repeatedly (determinism, caching, races).</summary>
internal static class TinyConfig
{
    public static MiniatureConfig Make(int seed = 7) => TestMiniature.Config with
    {
        Seed = seed, DetectionTrainCount = 6, DetectionValCount = 4, UnlabeledCount = 4,
        ClassificationTrainPerClass = 1, ClassificationValPerClass = 1,
        SegmentationTrainAugCount = 4, SegmentationTrainCount = 2, SegmentationValCount = 2,
    };

    public static string NewRoot() => Path.Combine(Path.GetTempPath(), $"repro-mini-test-{Guid.NewGuid():N}");

    /// <summary>SHA-256 of every file under <paramref name="dir"/> by relative path (independent of the generator's hash).</summary>
    public static SortedDictionary<string, string> FileHashes(string dir) =>
        new(Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).ToDictionary(
                f => Path.GetRelativePath(dir, f),
                f => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(f)))),
            StringComparer.Ordinal);
}
