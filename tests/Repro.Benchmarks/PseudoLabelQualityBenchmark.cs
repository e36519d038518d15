using Repro.Core.Data.Miniature;
using Repro.Core.Experiments;
using Repro.Core.Models.Detection;
using Repro.Core.Regimes.SelfTraining;

namespace Repro.Benchmarks;

/// <summary>
/// Pseudo-label calibration: a finished detection run labels the miniature's unlabeled pool at several thresholds;
/// prints each pass's statistics (boxes per image, score histogram) and the pseudo labels' precision / recall at
/// IoU 0.5 against the pool's hidden annotations on its first N images. Arguments (key=value):
/// `pseudo-quality teacher=RUN/train/final.weights data=results/data/miniature-XXXX thresholds=0.3,0.4,0.5 images=500
/// [backbone=resnet-mini] [limit=N] [out=DIR]`.
/// </summary>
public sealed class PseudoLabelQualityBenchmark : IBenchmark
{
    public string Name => "pseudo-quality";
    public string Description => "pseudo-label statistics + precision/recall vs hidden labels per threshold (key=value args)";

    public IReadOnlyDictionary<string, double> Run(string[] args)
    {
        var kv = args.Select(a => a.Split('=', 2)).ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "");
        string Get(string k, string? d = null) => kv.TryGetValue(k, out var v) ? v : d ?? throw new ArgumentException($"missing argument {k}=...");
        var m = MiniatureManifest.Load(Get("data"));
        var detector = DetectorConfig.Preset(Get("backbone", "resnet-mini"), m.DetectionCategories.Count, m.Config.ImageSize);
        var thresholds = Get("thresholds", "0.3,0.4,0.5").Split(',').Select(double.Parse).ToArray();
        int images = int.Parse(Get("images", "500"));
        int? limit = kv.ContainsKey("limit") ? int.Parse(Get("limit")) : null;
        var outRoot = Get("out", Path.Combine(Path.GetTempPath(), $"repro-pseudo-{Guid.NewGuid():N}"));
        var results = new Dictionary<string, double>();
        foreach (var t in thresholds)
        {
            var config = new PseudoLabelConfig
            {
                TeacherWeights = Get("teacher"), Detector = detector, UnlabeledImages = m.UnlabeledImages,
                CategoriesFrom = m.DetectionTrainAnnotations, ScoreThreshold = t, Limit = limit,
            };
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var r = PseudoLabeling.Run(config, Path.Combine(outRoot, $"t{t:0.00}"));
            var seconds = clock.Elapsed.TotalSeconds;
            var q = PseudoLabelQuality.Measure(r.AnnotationsPath, m.UnlabeledHiddenAnnotations, images);
            var s = r.Statistics;
            Console.WriteLine($"threshold {t:0.00}: {s.Images} images, {s.Boxes} boxes ({s.BoxesPerImage:0.000}/image), " +
                              $"{s.ImagesWithBoxes} images with boxes, mean kept score {s.MeanScoreKept:0.000}, {seconds:0.0} s");
            Console.WriteLine($"  score histogram (all {s.TeacherDetections} teacher detections ≥ {s.TeacherScoreFloor}): [{string.Join(", ", s.ScoreHistogram)}]");
            Console.WriteLine($"  per category: {string.Join(", ", s.BoxesPerCategory.Select(p => $"{p.Key} {p.Value}"))}");
            Console.WriteLine($"  first {q.Images} images vs hidden labels: {q.PseudoBoxes} pseudo / {q.GroundTruthBoxes} true boxes, " +
                              $"TP {q.TruePositives}, precision {q.Precision:0.000}, recall {q.Recall:0.000}, AP50 {q.AP50 * 100:0.0}");
            var key = $"t{t:0.00}";
            results[$"{key}.boxes_per_image"] = s.BoxesPerImage;
            results[$"{key}.images_with_boxes"] = s.ImagesWithBoxes;
            results[$"{key}.precision"] = q.Precision;
            results[$"{key}.recall"] = q.Recall;
            results[$"{key}.ap50"] = q.AP50 * 100;
            results[$"{key}.seconds"] = seconds;
        }
        Console.WriteLine($"outputs in {outRoot}");
        return results;
    }
}
