using System.Text.Json;
using Repro.Core.Augment;
using Repro.Core.Data.Miniature;
using Repro.Core.Experiments;
using Repro.Core.Models.Detection;
using Repro.Core.Training;

namespace Repro.Benchmarks;

/// <summary>
/// Time per training step of a self-training student (human + pseudo images) against a supervised step on the same
/// data: both run `steps` steps (time per step measured from the metrics log after `skip` warm-up steps).
/// Arguments (key=value): `selftrain-step data=results/data/miniature-XXXX pseudo=DIR/pseudo_labels.json
/// [steps=30] [skip=5] [batch=32] [pseudo-batch=32] [level=S1] [threads=2]`.
/// </summary>
public sealed class SelfTrainingStepBenchmark : IBenchmark
{
    public string Name => "selftrain-step";
    public string Description => "seconds per student step (human + pseudo) vs supervised step (key=value args)";

    public IReadOnlyDictionary<string, double> Run(string[] args)
    {
        var kv = args.Select(a => a.Split('=', 2)).ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "");
        string Get(string k, string? d = null) => kv.TryGetValue(k, out var v) ? v : d ?? throw new ArgumentException($"missing argument {k}=...");
        var m = MiniatureManifest.Load(Get("data"));
        int steps = int.Parse(Get("steps", "30")), skip = int.Parse(Get("skip", "5"));
        var supervised = new DetectionExperimentConfig
        {
            Data = new DetectionDataConfig
            {
                TrainImages = m.DetectionTrainImages, TrainAnnotations = m.DetectionTrainAnnotations,
                ValImages = m.DetectionValImages, ValAnnotations = m.DetectionValAnnotations,
                SmallMaxArea = m.SmallMaxArea, LargeMinArea = m.LargeMinArea,
            },
            Detector = DetectorConfig.Miniature(m.DetectionCategories.Count),
            Augment = AugmentConfig.ForLevel(AugmentLevels.Parse(Get("level", "S1")), m.Config.ImageSize),
            Trainer = new TrainerOptions
            {
                Optimizer = OptimizerKind.AdamW, LearningRate = 3e-3, WeightDecay = 4e-5, TotalSteps = steps, WarmupSteps = 0,
                MaxGradNorm = 10, LogInterval = 1, CheckpointInterval = 0, TensorBoard = false, Threads = int.Parse(Get("threads", "2")),
            },
            BatchSize = int.Parse(Get("batch", "32")),
        };
        var pseudo = Get("pseudo");
        var selfTraining = new SelfTrainingConfig
        {
            Student = supervised, PseudoAnnotations = pseudo,
            PseudoImages = Repro.Core.Regimes.SelfTraining.PseudoLabelFile.Read(pseudo).Info.ImagesRoot,
            PseudoBatchSize = int.Parse(Get("pseudo-batch", "32")),
        };
        var root = Path.Combine(Path.GetTempPath(), $"repro-stbench-{Guid.NewGuid():N}");
        try
        {
            DetectionExperiment.Run(supervised, Path.Combine(root, "supervised"));
            double sup = SecondsPerStep(Path.Combine(root, "supervised"), skip);
            SelfTrainingExperiment.Run(selfTraining, Path.Combine(root, "student"));
            double stu = SecondsPerStep(Path.Combine(root, "student"), skip);
            Console.WriteLine($"supervised step ({supervised.BatchSize} images): {sup * 1000:0} ms; " +
                              $"student step ({supervised.BatchSize} + {selfTraining.PseudoBatchSize} images): {stu * 1000:0} ms; ratio {stu / sup:0.00}");
            return new Dictionary<string, double> { ["supervised_s_per_step"] = sup, ["student_s_per_step"] = stu, ["ratio"] = stu / sup };
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    static double SecondsPerStep(string runDir, int skip)
    {
        var lines = File.ReadAllLines(Path.Combine(runDir, "train", "metrics.jsonl"))
            .Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var first = lines[skip]; var last = lines[^1];
        return (last.GetProperty("elapsed_s").GetDouble() - first.GetProperty("elapsed_s").GetDouble())
               / (last.GetProperty("step").GetInt64() - first.GetProperty("step").GetInt64());
    }
}
