using System.Diagnostics;
using Repro.Core.Data.Miniature;

namespace Repro.Benchmarks;

/// <summary>
/// Wall time to generate the miniature data from scratch into a fresh temp folder (and to hit the cache after), plus
/// the object statistics of the detection train split. Args: [default|smoke] [--train N] [--keep DIR] [--preview DIR] (contact sheets of every part) (keep DIR as cache root).
/// </summary>
public sealed class MiniatureGenerateBenchmark : IBenchmark
{
    public string Name => "generate";
    public string Description => "miniature data generation time (Default preset) and cache-hit time";

    public IReadOnlyDictionary<string, double> Run(string[] args)
    {
        var config = MiniatureConfig.Preset(args.Contains("smoke") ? "smoke" : "default");
        int train = Array.IndexOf(args, "--train");
        if (train >= 0 && train + 1 < args.Length) config = config with { DetectionTrainCount = int.Parse(args[train + 1]) };
        int keep = Array.IndexOf(args, "--keep");
        string root = keep >= 0 && keep + 1 < args.Length ? args[keep + 1] : Path.Combine(Path.GetTempPath(), $"repro-gen-bench-{Guid.NewGuid():N}");
        if (keep >= 0 && Directory.Exists(MiniatureGenerator.FolderFor(config, root)))
            Directory.Delete(MiniatureGenerator.FolderFor(config, root), recursive: true);
        try
        {
            var sw = Stopwatch.StartNew();
            var manifest = MiniatureGenerator.Generate(config, root);
            double generate = sw.Elapsed.TotalSeconds;
            sw.Restart();
            MiniatureGenerator.Generate(config, root);
            double cached = sw.Elapsed.TotalSeconds;
            var coco = MiniaturePreview.ReadCoco(manifest.DetectionTrainAnnotations);
            var areas = coco.Annotations.Select(a => a.Area).ToArray();
            int w = manifest.Config.ImageSize;
            double truncated = coco.Annotations.Count(a => a.Bbox[0] == 0 || a.Bbox[1] == 0 || a.Bbox[0] + a.Bbox[2] == w || a.Bbox[1] + a.Bbox[3] == w);
            int preview = Array.IndexOf(args, "--preview");
            if (preview >= 0 && preview + 1 < args.Length)
                foreach (var part in MiniaturePreview.Parts)
                    MiniaturePreview.Save(manifest, part, Path.Combine(args[preview + 1], part + ".png"), 32);
            Console.WriteLine($"generated {manifest.FileCount} files in {generate:F1} s on {Environment.ProcessorCount} cores into {manifest.Root}");
            return new Dictionary<string, double>
            {
                ["seconds"] = generate,
                ["cached_seconds"] = cached,
                ["files"] = manifest.FileCount,
                ["objects_per_image"] = (double)areas.Length / coco.Images.Count,
                ["small_fraction"] = areas.Count(a => a < manifest.SmallMaxArea) / (double)areas.Length,
                ["large_fraction"] = areas.Count(a => a > manifest.LargeMinArea) / (double)areas.Length,
                ["border_touching_fraction"] = truncated / areas.Length,
            };
        }
        finally
        {
            if (keep < 0 && Directory.Exists(root)) Directory.Delete(root, recursive: true);
        }
    }
}
