using System.Diagnostics;
using System.Text.Json;
using Repro.Core.Models.Backbones;
using Repro.Core.Native;
using Repro.Core.Regimes.Pretraining;
using Repro.Core.Training;
using TorchSharp;

namespace Repro.Core.Experiments;

/// <summary>What a pre-training run measured and where its artifacts are.</summary>
public sealed record PretrainingResult
{
    /// <summary>State dict with the "backbone.*" keys only; loads with
    /// <c>StateDictIO.LoadPartial(retinaNet, path, "backbone.", "backbone.")</c> (or <see cref="DetectionExperimentConfig.BackboneWeights"/>).</summary>
    public required string BackboneWeightsPath { get; init; }
    /// <summary>Full <see cref="ImageClassifier"/> weights (Supervised, Noisy Student's final student); null for SimCLR.</summary>
    public string? ClassifierWeightsPath { get; init; }
    /// <summary>Rates in percent: top1 (classifier on val; absent for SimCLR), linear_probe_top1, the untrained
    /// backbone's <see cref="PretrainingExperiment.RandomProbeMetric"/>, …; counts; seconds.</summary>
    public required IReadOnlyDictionary<string, double> Metrics { get; init; }
    /// <summary>The last training phase (Noisy Student: the last round's student).</summary>
    public required TrainingResult Training { get; init; }
    /// <summary>Noisy Student: one summary per round; empty otherwise.</summary>
    public IReadOnlyList<PseudoLabelSummary> PseudoLabels { get; init; } = [];
}

/// <summary>
/// Pre-training of the detector's backbone (the grid's ImageNet / ImageNet++ / SimCLR Init rows) on the
/// classification pool. Every method ends with the same linear probe of its frozen backbone (and of an untrained one,
/// the baseline), and writes the backbone
/// artifact detection runs load. Resumable: each training phase checkpoints in its own sub-folder, so re-running with the
/// same config and output folder continues where a killed run stopped.
/// </summary>
/// <remarks>
/// Output folder: <c>backbone.weights</c>, <c>classifier.weights</c> (Supervised, Noisy Student), <c>pretraining.json</c>
/// (method, metrics, artifact paths, config), <c>linear_probe_random.json</c>, <c>pseudo_labels.json</c> (Noisy Student: per-round summaries), and the
/// phases' trainer folders: <c>classifier/</c> (Supervised), <c>teacher/</c> and <c>round-N/student/</c> (Noisy Student),
/// <c>simclr/</c> (SimCLR).
/// </remarks>
public static class PretrainingExperiment
{
    public const string BackboneFile = "backbone.weights";
    public const string ClassifierFile = "classifier.weights";
    public const string ResultFile = "pretraining.json";
    public const string PseudoLabelFile = "pseudo_labels.json";
    public const string RandomProbeFile = "linear_probe_random.json";
    /// <summary>The metric holding the linear-probe top-1 of an untrained backbone (<see cref="LinearProbeOfRandomBackbone"/>).</summary>
    public const string RandomProbeMetric = "random_linear_probe_top1";

    static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static PretrainingResult Run(PretrainingConfig config, string outputDirectory,
                                        IProgress<TrainingProgress>? progress = null, CancellationToken ct = default)
    {
        TorchNativeLoader.EnsureLoaded();
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        ArgumentException.ThrowIfNullOrWhiteSpace(outputDirectory);
        Directory.CreateDirectory(outputDirectory);
        var data = PretrainingData.Open(config.Data, withUnlabeled: config.Method is NoisyStudentPretraining);
        var device = TrainingDevice.Resolve(config.Trainer.Device);
        var metrics = new Dictionary<string, double>
        {
            ["train_images"] = data.Train.Count,
            ["val_images"] = data.Val.Count,
            ["classes"] = data.NumClasses,
            ["steps"] = config.Trainer.TotalSteps,
        };
        var backbonePath = Path.Combine(outputDirectory, BackboneFile);
        string? classifierPath = null;
        TrainingResult training;
        Backbone trainedBackbone;
        var pseudoSummaries = new List<PseudoLabelSummary>();
        IDisposable model;

        switch (config.Method)
        {
            case SupervisedPretraining supervised:
            {
                Seeding.SeedTorch(config.Seed);
                var classifier = new ImageClassifier(BackboneFactory.Create(config.Backbone), data.NumClasses, supervised.Dropout);
                model = classifier;
                training = SupervisedClassification.Train(classifier, data.Train, TeacherSettings(config), Path.Combine(outputDirectory, "classifier"), progress, ct);
                AddTiming(metrics, "train", training);
                metrics["top1"] = Timed(metrics, "eval", () => SupervisedClassification.Evaluate(classifier, data.Val, config.ImageSize, config.EvalBatchSize, device, ct));
                classifierPath = Path.Combine(outputDirectory, ClassifierFile);
                StateDictIO.Save(classifier, classifierPath);
                trainedBackbone = classifier.Backbone;
                break;
            }
            case NoisyStudentPretraining ns:
            {
                var student = RunNoisyStudent(config, ns, data, outputDirectory, device, metrics, pseudoSummaries, progress, ct, out training);
                model = student;
                metrics["top1"] = Timed(metrics, "eval", () => SupervisedClassification.Evaluate(student, data.Val, config.ImageSize, config.EvalBatchSize, device, ct));
                classifierPath = Path.Combine(outputDirectory, ClassifierFile);
                StateDictIO.Save(student, classifierPath);
                trainedBackbone = student.Backbone;
                break;
            }
            case SimClrPretraining sim:
            {
                Seeding.SeedTorch(config.Seed);
                var simclr = new SimClrModel(BackboneFactory.Create(config.Backbone), sim.ProjectionHidden, sim.ProjectionDim);
                model = simclr;
                training = SimClr.Train(simclr, data.Train, config.EffectiveAugment(), sim.Views, config.Trainer, config.BatchSize, config.Seed,
                                        sim.Temperature, Path.Combine(outputDirectory, "simclr"), progress, ct);
                AddTiming(metrics, "train", training);
                trainedBackbone = simclr.Backbone;
                break;
            }
            default:
                throw new ArgumentException($"unknown pre-training method {config.Method.GetType().Name}", nameof(config));
        }

        using (model)
        {
            metrics["final_loss"] = training.FinalLosses.TryGetValue(Trainer.LossKey, out var l) ? l : double.NaN;
            foreach (var (name, value) in training.FinalLosses)
                if (name != Trainer.LossKey) metrics[$"final_{name}"] = value;
            BackboneArtifact.Save((torch.nn.Module)model, backbonePath);
            var probe = LinearProbe.OfBackbone(trainedBackbone, data, config.ImageSize, config.Probe, device, ct);
            foreach (var (k, v) in probe.ToMetrics()) metrics[k] = v;
        }

        // The same probe on an untrained backbone of the same seed: the baseline every pre-training is read against.
        metrics[RandomProbeMetric] = LinearProbeOfRandomBackbone(config, outputDirectory, ct)["linear_probe_top1"];

        if (pseudoSummaries.Count > 0) NoisyStudent.WriteSummaries(Path.Combine(outputDirectory, PseudoLabelFile), pseudoSummaries);
        var record = new
        {
            method = config.Kind.ToString(),
            backbone_weights = BackboneFile,
            classifier_weights = classifierPath == null ? null : ClassifierFile,
            metrics = new SortedDictionary<string, double>(metrics, StringComparer.Ordinal),
            config,
        };
        AtomicFile.WriteAllText(Path.Combine(outputDirectory, ResultFile), JsonSerializer.Serialize(record, Json));
        return new PretrainingResult
        {
            BackboneWeightsPath = Path.GetFullPath(backbonePath),
            ClassifierWeightsPath = classifierPath == null ? null : Path.GetFullPath(classifierPath),
            Metrics = metrics,
            Training = training,
            PseudoLabels = pseudoSummaries,
        };
    }

    /// <summary>
    /// The linear probe of an untrained backbone, built exactly as <see cref="Run"/> builds its starting backbone
    /// (torch seeded with the config's seed), under the same probe settings: the baseline the pre-trained probes are
    /// compared to. Writes <c>linear_probe_random.json</c>.
    /// </summary>
    public static IReadOnlyDictionary<string, double> LinearProbeOfRandomBackbone(PretrainingConfig config, string outputDirectory, CancellationToken ct = default)
    {
        TorchNativeLoader.EnsureLoaded();
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Directory.CreateDirectory(outputDirectory);
        var data = PretrainingData.Open(config.Data, withUnlabeled: false);
        var device = TrainingDevice.Resolve(config.Trainer.Device);
        Seeding.SeedTorch(config.Seed);
        using var backbone = BackboneFactory.Create(config.Backbone);
        var probe = LinearProbe.OfBackbone(backbone, data, config.ImageSize, config.Probe, device, ct);
        var metrics = probe.ToMetrics();
        metrics["train_images"] = data.Train.Count;
        metrics["val_images"] = data.Val.Count;
        AtomicFile.WriteAllText(Path.Combine(outputDirectory, RandomProbeFile),
            JsonSerializer.Serialize(new { metrics = new SortedDictionary<string, double>(metrics, StringComparer.Ordinal), config.Seed, config.Backbone, config.Probe }, Json));
        return metrics;
    }

    /// <summary>The Supervised method's (and the Noisy Student teacher's) training settings.</summary>
    static ClassificationTrainingSettings TeacherSettings(PretrainingConfig c) =>
        new(c.EffectiveAugment(), c.Trainer, c.BatchSize, c.Seed, c.LabelSmoothing);

    static ImageClassifier RunNoisyStudent(PretrainingConfig config, NoisyStudentPretraining ns, PretrainingData data, string outputDirectory, torch.Device device,
                                           Dictionary<string, double> metrics, List<PseudoLabelSummary> summaries,
                                           IProgress<TrainingProgress>? progress, CancellationToken ct, out TrainingResult training)
    {
        Seeding.SeedTorch(config.Seed);
        var teacher = new ImageClassifier(BackboneFactory.Create(config.Backbone), data.NumClasses, ns.TeacherTraining().Dropout);
        try
        {
            if (ns.TeacherClassifierWeights != null)
            {
                StateDictIO.Load(teacher, ns.TeacherClassifierWeights);
                teacher.to(device);
            }
            else
            {
                var t = SupervisedClassification.Train(teacher, data.Train, TeacherSettings(config), Path.Combine(outputDirectory, "teacher"), progress, ct);
                AddTiming(metrics, "teacher", t);
            }
            metrics["teacher_top1"] = SupervisedClassification.Evaluate(teacher, data.Val, config.ImageSize, config.EvalBatchSize, device, ct);

            // Stochastic depth is a property of the backbone family; ResNet has none (see PretrainingConfig).
            bool hasDropPath = config.Backbone.Family == BackboneFamily.EfficientNet;
            var studentBackbone = hasDropPath ? config.Backbone with { StochasticDepth = ns.StudentStochasticDepth } : config.Backbone;
            metrics["student_stochastic_depth"] = hasDropPath ? ns.StudentStochasticDepth : 0;
            metrics["student_dropout"] = ns.StudentDropout;

            training = null!;
            for (int round = 1; round <= ns.Rounds; round++)
            {
                var roundDir = Path.Combine(outputDirectory, $"round-{round}");
                var clock = Stopwatch.StartNew();
                var pseudo = PseudoLabels.Annotate(teacher, data.Unlabeled!, config.ImageSize, config.EvalBatchSize, ns.SoftPseudoLabels,
                                                   ns.PseudoLabelConfidence, data.Classes, round, device, ct);
                metrics[$"round{round}_pseudo_seconds"] = clock.Elapsed.TotalSeconds;
                summaries.Add(pseudo.Summary);
                NoisyStudent.WriteSummaries(Path.Combine(roundDir, PseudoLabelFile), [pseudo.Summary]);

                long studentSeed = unchecked((long)Seeding.Derive(config.Seed, "noisy-student", round));
                Seeding.SeedTorch(studentSeed);
                var student = new ImageClassifier(BackboneFactory.Create(studentBackbone), data.NumClasses, ns.StudentDropout);
                try
                {
                    var settings = new StudentSettings(studentBackbone, ns.StudentDropout,
                        new ClassificationTrainingSettings(config.StudentAugment(ns), config.Trainer, config.BatchSize, studentSeed, config.LabelSmoothing),
                        ns.PseudoBatchFraction);
                    training = NoisyStudent.TrainStudent(student, data.Train, data.Unlabeled!, pseudo, settings, Path.Combine(roundDir, "student"), progress, ct);
                    AddTiming(metrics, $"round{round}_student", training);
                    if (round < ns.Rounds)
                        metrics[$"round{round}_student_top1"] = SupervisedClassification.Evaluate(student, data.Val, config.ImageSize, config.EvalBatchSize, device, ct);
                }
                catch
                {
                    student.Dispose();
                    throw;
                }
                teacher.Dispose();
                teacher = student; // the student teaches the next round
            }
            var last = summaries[^1];
            metrics["unlabeled_images"] = last.UnlabeledImages;
            metrics["pseudo_images"] = last.KeptImages;
            metrics["pseudo_mean_max_prob"] = last.MeanMaxProbability;
            metrics["rounds"] = ns.Rounds;
            return teacher;
        }
        catch
        {
            teacher.Dispose();
            throw;
        }
    }

    static void AddTiming(Dictionary<string, double> metrics, string phase, TrainingResult t)
    {
        long ran = t.CompletedSteps - (t.ResumedFromStep ?? 0);
        metrics[$"{phase}_seconds"] = t.Elapsed.TotalSeconds;
        if (ran > 0) metrics[$"{phase}_seconds_per_100_steps"] = t.Elapsed.TotalSeconds / ran * 100;
    }

    static double Timed(Dictionary<string, double> metrics, string name, Func<double> f)
    {
        var clock = Stopwatch.StartNew();
        var value = f();
        metrics[$"{name}_seconds"] = clock.Elapsed.TotalSeconds;
        return value;
    }
}
