using System.Diagnostics;
using Repro.Core.Augment;
using Repro.Core.Data.Miniature;
using Repro.Core.Experiments;
using Repro.Core.Models.Segmentation;
using Repro.Core.Training;

namespace Repro.Benchmarks;

/// <summary>
/// A short supervised (Rand Init) segmentation run on a generated miniature, to size the default profile: val mIoU,
/// pixel accuracy, training wall time per 100 steps and evaluation time. Trainer settings as the harness uses for
/// detection (AdamW, warm-up + cosine, weight decay 4e-5 off norms/biases, clip 10).
/// Args: --miniature ROOT [--set train|trainaug (train)] [--steps N (300)] [--batch N (16)] [--lr X (0.003)]
/// [--warmup N (30)] [--channels N (64)] [--stride 4|8 (4)] [--threads N (1)] [--seed N (0)] [--out DIR (temp)].
/// </summary>
public sealed class SegmentationRunBenchmark : IBenchmark
{
    public string Name => "segmentation-run";
    public string Description => "short Rand Init segmentation run on a miniature: mIoU, s/100 steps";

    public IReadOnlyDictionary<string, double> Run(string[] args)
    {
        var manifest = MiniatureManifest.Load(Str(args, "--miniature", null) ?? throw new ArgumentException("--miniature ROOT is required"));
        var set = Str(args, "--set", "train")!;
        int steps = Int(args, "--steps", 300), batch = Int(args, "--batch", 16), threads = Int(args, "--threads", 1), seed = Int(args, "--seed", 0);
        double lr = double.Parse(Str(args, "--lr", "0.003")!, System.Globalization.CultureInfo.InvariantCulture);
        var outDir = Str(args, "--out", null) ?? Path.Combine(Path.GetTempPath(), $"repro-seg-run-{Guid.NewGuid():N}");
        int size = manifest.Config.ImageSize;
        var config = new SegmentationExperimentConfig
        {
            Data = new SegmentationDataConfig { VocRoot = manifest.VocRoot, TrainSet = set },
            Model = SegmentationModelConfig.Miniature(manifest.SegmentationClasses.Count, size) with
            {
                DecoderChannels = Int(args, "--channels", 64), OutputStride = Int(args, "--stride", 4),
            },
            Augment = AugmentConfig.S1(size),
            Trainer = new TrainerOptions
            {
                Optimizer = OptimizerKind.AdamW, LearningRate = lr, WeightDecay = 4e-5, NoWeightDecayOnNormAndBias = true,
                WarmupSteps = Int(args, "--warmup", 30), TotalSteps = steps, MaxGradNorm = 10, Threads = threads,
                CheckpointInterval = 0, LogInterval = 50, TensorBoard = false,
            },
            BatchSize = batch,
            Seed = seed,
        };
        var clock = Stopwatch.StartNew();
        var progress = new Progress(p => Console.WriteLine($"  step {p.Step}/{p.TotalSteps} loss {p.Losses["loss"]:F3} ({p.Elapsed.TotalSeconds:F0} s)"));
        var result = SegmentationExperiment.Run(config, outDir, progress);
        double total = clock.Elapsed.TotalSeconds, train = result.Training.Elapsed.TotalSeconds;
        Console.WriteLine($"segmentation-run: {set} ({result.TrainImages} images), {steps} steps of batch {result.BatchSize}, {threads} threads → " +
                          $"mIoU {result.Metrics["mIoU"]:F1}, pixel acc {result.Metrics["pixel_acc"]:F1}; training {train:F0} s = {train / steps * 100:F1} s/100 steps, total {total:F0} s; out {outDir}");
        return new Dictionary<string, double>
        {
            ["mIoU"] = result.Metrics["mIoU"], ["pixel_acc"] = result.Metrics["pixel_acc"], ["steps"] = steps,
            ["seconds_per_100_steps"] = train / steps * 100, ["eval_and_setup_seconds"] = total - train, ["train_images"] = result.TrainImages,
        };
    }

    sealed class Progress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }

    static int Int(string[] args, string name, int dflt) { int i = Array.IndexOf(args, name); return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1]) : dflt; }
    static string? Str(string[] args, string name, string? dflt) { int i = Array.IndexOf(args, name); return i >= 0 && i + 1 < args.Length ? args[i + 1] : dflt; }
}
