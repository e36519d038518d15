using System.Diagnostics;
using Repro.Core.Data.Miniature;
using Repro.Core.Experiments;
using Repro.Core.Training;

namespace Repro.Benchmarks;

/// <summary>
/// Short pre-training runs of every method on a generated miniature's classification pool, to size the default
/// profile: top-1 of the classifier on val (Supervised, Noisy Student), linear-probe top-1 of the frozen backbone (all,
/// and a random backbone), and seconds per 100 steps. Noisy Student reuses the Supervised run's classifier as its
/// teacher. Args: --miniature DIR (a folder with manifest.json) [--steps N (300)] [--ns-steps N (steps)]
/// [--batch N (64)] [--threads N (0 = libtorch default)] [--methods random,sup,ns,simclr] [--policy None|AutoAugmentImageNet|RandAugment] [--area-min A] [--lr LR (2e-3)] [--out DIR (temp)].
/// </summary>
public sealed class PretrainBenchmark : IBenchmark
{
    public string Name => "pretrain";
    public string Description => "short Supervised / Noisy Student / SimCLR pre-training runs: top-1, linear probe, s/100 steps";

    public IReadOnlyDictionary<string, double> Run(string[] args)
    {
        string root = Arg(args, "--miniature") ?? throw new ArgumentException("--miniature DIR is required");
        var manifest = MiniatureManifest.Load(root);
        long steps = long.Parse(Arg(args, "--steps") ?? "300");
        long nsSteps = long.Parse(Arg(args, "--ns-steps") ?? steps.ToString());
        int batch = int.Parse(Arg(args, "--batch") ?? "64");
        int threads = int.Parse(Arg(args, "--threads") ?? "0");
        var methods = (Arg(args, "--methods") ?? "random,sup,ns,simclr").Split(',');
        var outRoot = Arg(args, "--out") ?? Path.Combine(Path.GetTempPath(), $"repro-pretrain-bench-{Guid.NewGuid():N}");

        var policy = Arg(args, "--policy");
        double? areaMin = Arg(args, "--area-min") is { } a ? double.Parse(a, System.Globalization.CultureInfo.InvariantCulture) : null;
        double lr = double.Parse(Arg(args, "--lr") ?? "2e-3", System.Globalization.CultureInfo.InvariantCulture);
        var baseConfig = new PretrainingConfig
        {
            Data = new ClassificationDataConfig
            {
                TrainRoot = manifest.ClassificationTrain, ValRoot = manifest.ClassificationVal,
                UnlabeledRoot = manifest.PathOf(MiniatureLayout.UnlabeledImages),
            },
            ImageSize = manifest.Config.ClassificationImageSize,
            BatchSize = batch,
            Trainer = new TrainerOptions
            {
                Optimizer = OptimizerKind.AdamW, LearningRate = lr, WeightDecay = 1e-4, WarmupSteps = Math.Min(50, steps / 10),
                TotalSteps = steps, CheckpointInterval = 0, LogInterval = 50, TensorBoard = false, Threads = threads,
            },
        };
        if (policy != null || areaMin != null)
        {
            var aug = baseConfig.EffectiveAugment();
            baseConfig = baseConfig with
            {
                Augment = aug with
                {
                    Policy = policy == null ? aug.Policy : Enum.Parse<Repro.Core.Augment.Classification.ClassificationPolicy>(policy, ignoreCase: true),
                    AreaMin = areaMin ?? aug.AreaMin,
                },
            };
        }
        var results = new Dictionary<string, double>();
        void Report(string prefix, IReadOnlyDictionary<string, double> metrics, params string[] keys)
        {
            foreach (var k in keys)
                if (metrics.TryGetValue(k, out var v)) results[$"{prefix}.{k}"] = v;
        }
        var progress = new ConsoleProgress();

        var clock = Stopwatch.StartNew();
        if (methods.Contains("random"))
        {
            var random = PretrainingExperiment.LinearProbeOfRandomBackbone(baseConfig, Path.Combine(outRoot, "random"));
            Report("random", random, "linear_probe_top1", "linear_probe_train_top1", "linear_probe_seconds");
            Console.WriteLine($"random backbone probe: {random["linear_probe_top1"]:F1}% ({clock.Elapsed.TotalSeconds:F0} s)");
        }

        string? teacher = null;
        if (methods.Contains("sup") || methods.Contains("ns"))
        {
            var sup = PretrainingExperiment.Run(baseConfig, Path.Combine(outRoot, "supervised"), progress);
            teacher = sup.ClassifierWeightsPath;
            Report("supervised", sup.Metrics, "top1", "linear_probe_top1", "final_loss", "train_seconds_per_100_steps", "train_seconds", "eval_seconds", "linear_probe_seconds");
            Console.WriteLine($"supervised: top1 {sup.Metrics["top1"]:F1}%, probe {sup.Metrics["linear_probe_top1"]:F1}%");
        }
        if (methods.Contains("ns"))
        {
            var ns = PretrainingExperiment.Run(baseConfig.WithMethod(new NoisyStudentPretraining { TeacherClassifierWeights = teacher }).WithTotalSteps(nsSteps),
                                               Path.Combine(outRoot, "noisy-student"), progress);
            Report("noisy_student", ns.Metrics, "top1", "teacher_top1", "linear_probe_top1", "pseudo_images", "pseudo_mean_max_prob", "final_loss",
                   "round1_student_seconds_per_100_steps", "round1_pseudo_seconds", "linear_probe_seconds");
            Console.WriteLine($"noisy student: top1 {ns.Metrics["top1"]:F1}% (teacher {ns.Metrics["teacher_top1"]:F1}%), probe {ns.Metrics["linear_probe_top1"]:F1}%");
        }
        if (methods.Contains("simclr"))
        {
            var sim = PretrainingExperiment.Run(baseConfig.WithMethod(new SimClrPretraining()), Path.Combine(outRoot, "simclr"), progress);
            Report("simclr", sim.Metrics, "linear_probe_top1", "linear_probe_train_top1", "final_loss", "final_contrastive_top1", "train_seconds_per_100_steps", "linear_probe_seconds");
            Console.WriteLine($"simclr: probe {sim.Metrics["linear_probe_top1"]:F1}%");
        }
        results["steps"] = steps;
        results["batch"] = batch;
        results["total_seconds"] = clock.Elapsed.TotalSeconds;
        Console.WriteLine($"outputs in {outRoot}");
        return results;
    }

    static string? Arg(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    sealed class ConsoleProgress : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress p) =>
            Console.WriteLine($"  step {p.Step}/{p.TotalSteps} loss {p.Losses.GetValueOrDefault("loss"):F3} {p.ImagesPerSecond:F0} img/s");
    }
}
