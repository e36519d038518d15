using Repro.Core.Data;
using Repro.Core.Data.Images;

namespace Repro.Core.Augment;

/// <summary>Contact sheet of augmented versions of samples, for a person to check a level (`repro aug show --level S4`).</summary>
public static class AugmentPreview
{
    /// <summary>
    /// Writes a PNG grid: one row per sample, its original followed by <paramref name="versions"/> augmented versions
    /// (epochs 0..versions−1 of <paramref name="seed"/>), boxes and masks drawn by <see cref="ContactSheet"/>.
    /// </summary>
    public static void Save(AugmentConfig config, IReadOnlyList<LabelledImage> samples, int seed, string pngPath,
                            int versions = 7, int scale = 3, IReadOnlyList<string>? classNames = null)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (samples.Count == 0) throw new ArgumentException("no samples to preview", nameof(samples));
        if (versions <= 0) throw new ArgumentOutOfRangeException(nameof(versions), $"versions {versions} must be positive");
        var pipeline = AugmentPipeline.FromConfig(config);
        var tiles = new List<LabelledImage>();
        var captions = new List<string>();
        foreach (var s in samples)
        {
            tiles.Add(s);
            captions.Add($"#{s.ImageId} original");
            for (int v = 0; v < versions; v++)
            {
                var a = pipeline.Apply(s, seed, v);
                tiles.Add(a);
                captions.Add($"{config.Level} ep{v} ({a.Boxes.Length} boxes)");
            }
        }
        ContactSheet.Save(pngPath, tiles, columns: versions + 1, scale: scale, classNames: classNames, captions: captions);
    }
}
