using Repro.Core.Data.Miniature;

namespace Repro.Core.Tests.Miniature;

/// <summary>The Smoke miniature, generated once into a temp folder for the tests that only read it.</summary>
public sealed class SmokeMiniatureFixture : IDisposable
{
    public string CacheRoot { get; } = Path.Combine(Path.GetTempPath(), $"repro-mini-smoke-{Guid.NewGuid():N}");
    public MiniatureConfig Config { get; } = MiniatureConfig.Smoke;
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
    public static MiniatureConfig Make(int seed = 7) => MiniatureConfig.Smoke with
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
