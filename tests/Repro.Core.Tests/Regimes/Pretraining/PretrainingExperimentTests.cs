using System.Text.Json;
using Repro.Core.Experiments;
using Repro.Core.Models.Backbones;
using Repro.Core.Models.Detection;
using Repro.Core.Regimes.Pretraining;
using Repro.Core.Tests.Training;
using Repro.Core.Training;
using static TorchSharp.torch;

namespace Repro.Core.Tests.Regimes.Pretraining;

[Collection(TorchGlobalRngCollection.Name)]
public class PretrainingExperimentTests : TorchTestBase
{
    /// <summary>The backbone a run starts from: torch seeded with the config's seed, then the backbone built first.</summary>
    static Dictionary<string, long[]> InitialBackbone(PretrainingConfig c)
    {
        Seeding.SeedTorch(c.Seed);
        using var b = BackboneFactory.Create(c.Backbone);
        return TrainingTestKit.Bits(b);
    }

    static Dictionary<string, long[]> FileBits(string path)
    {
        var d = StateDictIO.Read(path);
        try
        {
            return d.ToDictionary(kv => kv.Key, kv =>
            {
                using var x = kv.Value.to(ScalarType.Float64);
                return x.data<double>().ToArray().Select(BitConverter.DoubleToInt64Bits).ToArray();
            });
        }
        finally { foreach (var t in d.Values) t.Dispose(); }
    }

    static void AssertTrainedAway(Dictionary<string, long[]> initial, string artifact)
    {
        var trained = FileBits(artifact);
        Assert.All(trained.Keys, k => Assert.StartsWith("backbone.", k));
        Assert.Equal(initial.Keys.Select(k => "backbone." + k).Order(), trained.Keys.Order());
        int changed = initial.Count(kv => !kv.Value.SequenceEqual(trained["backbone." + kv.Key]));
        Assert.True(changed > initial.Count / 2, $"only {changed} of {initial.Count} backbone tensors changed");
    }

    [Fact]
    public void SupervisedTrainsTheBackboneAndWritesItsArtifacts()
    {
        using var data = new TinyClassificationData();
        var config = data.Config(PretrainingMethod.Supervised);
        var dir = data.Out("sup");
        var result = PretrainingExperiment.Run(config, dir);

        AssertTrainedAway(InitialBackbone(config), result.BackboneWeightsPath);
        Assert.Equal(Path.Combine(Path.GetFullPath(dir), "backbone.weights"), result.BackboneWeightsPath);
        Assert.True(File.Exists(result.ClassifierWeightsPath));
        Assert.Equal(4, result.Training.CompletedSteps);
        foreach (var key in new[] { "top1", "linear_probe_top1", "train_images", "final_loss", "train_seconds_per_100_steps" })
            Assert.True(result.Metrics.ContainsKey(key), key);
        Assert.Equal(24, result.Metrics["train_images"]);
        Assert.InRange(result.Metrics["top1"], 0, 100);
        // The run measures its baseline too: the probe of an untrained backbone of the same seed.
        Assert.Equal(PretrainingExperiment.LinearProbeOfRandomBackbone(config, data.Out("random"))["linear_probe_top1"],
                     result.Metrics[PretrainingExperiment.RandomProbeMetric]);

        // The classifier file holds the classifier whose top-1 was reported.
        Seeding.SeedTorch(0);
        using var classifier = new ImageClassifier(BackboneFactory.Create(config.Backbone), 3);
        StateDictIO.Load(classifier, result.ClassifierWeightsPath!);
        var opened = PretrainingData.Open(config.Data, false);
        Assert.Equal(result.Metrics["top1"], SupervisedClassification.Evaluate(classifier, opened.Val, 32, 5));

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "pretraining.json")));
        Assert.Equal("Supervised", json.RootElement.GetProperty("method").GetString());
        Assert.Equal(result.Metrics["top1"], json.RootElement.GetProperty("metrics").GetProperty("top1").GetDouble());
        Assert.True(Directory.Exists(Path.Combine(dir, "classifier", "checkpoints")));
    }

    [Fact]
    public void SupervisedLearnsAnEasyTask()
    {
        // Three colour/shape classes: a few dozen steps must take the classifier from chance (33%) to near-perfect on val.
        using var data = new TinyClassificationData(size: 32, trainPerClass: 10, valPerClass: 5, unlabeled: 1);
        var config = data.Config(PretrainingMethod.Supervised, steps: 40) with
        {
            Augment = new() { OutputSize = 32, AreaMin = 0.5 }, Probe = new() { Steps = 100 },
        };
        config = config with { Trainer = config.Trainer with { LearningRate = 3e-3, WarmupSteps = 5 } };
        var result = PretrainingExperiment.Run(config, data.Out("learn"));
        Assert.True(result.Metrics["top1"] >= 90, $"top1 {result.Metrics["top1"]} loss {result.Metrics["final_loss"]} probe {result.Metrics["linear_probe_top1"]}");
        Assert.True(result.Metrics["final_loss"] < 0.8, $"final loss {result.Metrics["final_loss"]}");
    }

    [Fact]
    public void SimClrTrainsTheBackboneWithoutLabelsOrClassifier()
    {
        using var data = new TinyClassificationData();
        var config = data.Config(PretrainingMethod.SimClr);
        var result = PretrainingExperiment.Run(config, data.Out("simclr"));
        AssertTrainedAway(InitialBackbone(config), result.BackboneWeightsPath);
        Assert.Null(result.ClassifierWeightsPath);
        Assert.False(result.Metrics.ContainsKey("top1"));
        Assert.True(result.Metrics.ContainsKey("linear_probe_top1"));
        Assert.True(result.Metrics["final_loss"] > 0);
        Assert.True(result.Metrics.ContainsKey("final_contrastive_top1"));
    }

    [Fact]
    public void NoisyStudentTrainsTeacherThenStudentsOnPseudoLabels()
    {
        using var data = new TinyClassificationData();
        var config = data.Config(PretrainingMethod.NoisyStudent) with { Method = new NoisyStudentPretraining { Rounds = 2, SoftPseudoLabels = false } };
        var dir = data.Out("ns");
        var result = PretrainingExperiment.Run(config, dir);

        Assert.True(File.Exists(Path.Combine(dir, "teacher", "final.weights")));
        Assert.True(File.Exists(Path.Combine(dir, "round-1", "student", "final.weights")));
        Assert.True(File.Exists(Path.Combine(dir, "round-2", "student", "final.weights")));
        Assert.Equal(2, result.PseudoLabels.Count);
        Assert.All(result.PseudoLabels, s => Assert.Equal(12, s.UnlabeledImages));
        Assert.Equal(12, result.Metrics["pseudo_images"]);
        Assert.Equal(0, result.Metrics["student_stochastic_depth"]); // ResNet has no drop-path
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "pseudo_labels.json")));
        var rounds = json.RootElement.GetProperty("rounds");
        Assert.Equal(2, rounds.GetArrayLength());
        Assert.Equal(12, rounds[1].GetProperty("ClassHistogram").EnumerateArray().Sum(e => e.GetInt32()));

        // The artifact is the last student's backbone, which started from its own seed, not the teacher's.
        var classifier = StateDictIO.Read(result.ClassifierWeightsPath!);
        var artifact = FileBits(result.BackboneWeightsPath);
        try
        {
            foreach (var (key, bits) in artifact)
            {
                using var x = classifier[key].to(ScalarType.Float64);
                Assert.Equal(bits, x.data<double>().ToArray().Select(BitConverter.DoubleToInt64Bits).ToArray());
            }
        }
        finally { foreach (var t in classifier.Values) t.Dispose(); }
        AssertTrainedAway(InitialBackbone(config), result.BackboneWeightsPath);
    }

    [Fact]
    public void NoisyStudentUsesAGivenTeacherAndFiltersByConfidence()
    {
        using var data = new TinyClassificationData();
        var supervised = PretrainingExperiment.Run(data.Config(PretrainingMethod.Supervised), data.Out("sup"));

        // Oracle for the filter: the teacher's own probabilities on the pool; a threshold between two of them.
        Seeding.SeedTorch(0);
        using var teacher = new ImageClassifier(BackboneFactory.Create(BackboneConfig.ResNetMini), 3);
        StateDictIO.Load(teacher, supervised.ClassifierWeightsPath!);
        var pool = new Repro.Core.Data.ImageFolder.UnlabeledImageFolder(data.UnlabeledRoot);
        using var probs = ClassificationInference.Run(teacher, x => nn.functional.softmax(teacher.call(x), 1), pool, 32, 5);
        using var maxProbs = probs.max(1).values;
        var sorted = maxProbs.data<float>().ToArray().Order().ToArray();
        double threshold = (sorted[5] + sorted[6]) / 2.0;   // keeps the 6 most confident of 12
        Assert.True(sorted[6] - sorted[5] > 1e-5, "need distinct confidences around the threshold");

        var config = data.Config(PretrainingMethod.NoisyStudent) with
        {
            Method = new NoisyStudentPretraining { TeacherClassifierWeights = supervised.ClassifierWeightsPath, PseudoLabelConfidence = threshold },
        };
        var dir = data.Out("ns");
        var result = PretrainingExperiment.Run(config, dir);
        Assert.False(Directory.Exists(Path.Combine(dir, "teacher")));
        Assert.Equal(supervised.Metrics["top1"], result.Metrics["teacher_top1"]); // the same classifier was loaded
        Assert.Equal(6, result.Metrics["pseudo_images"]);
        Assert.Equal(sorted.Skip(6).Average(), result.PseudoLabels[0].MeanMaxProbability, 4);
    }

    [Fact]
    public void AKilledRunResumesToTheSameWeights()
    {
        using var data = new TinyClassificationData();
        var config = data.Config(PretrainingMethod.NoisyStudent);
        config = config with { Trainer = config.Trainer with { CheckpointInterval = 2 } };
        var whole = PretrainingExperiment.Run(config, data.Out("whole"));

        // Kill the run in the student phase after its 3rd step (the trainer checkpoints on cancellation).
        var dir = data.Out("killed");
        using var cts = new CancellationTokenSource();
        int reports = 0;
        var progress = new TrainingTestKit.SyncProgress<TrainingProgress>(p => { if (++reports == 4 + 3) cts.Cancel(); });
        Assert.ThrowsAny<OperationCanceledException>(() => PretrainingExperiment.Run(config, dir, progress, cts.Token));
        Assert.False(File.Exists(Path.Combine(dir, "backbone.weights")));
        Assert.True(File.Exists(Path.Combine(dir, "teacher", "final.weights")));
        var resumed = PretrainingExperiment.Run(config, dir);
        Assert.Equal(3, resumed.Training.ResumedFromStep);
        Assert.Equal(FileBits(whole.BackboneWeightsPath), FileBits(resumed.BackboneWeightsPath));
        Assert.Equal(whole.Metrics["top1"], resumed.Metrics["top1"]);
    }

    [Fact]
    public void BackboneArtifactRoundTripsAndLoadsIntoRetinaNet()
    {
        using var data = new TinyClassificationData();
        var result = PretrainingExperiment.Run(data.Config(PretrainingMethod.Supervised, steps: 2), data.Out("sup"));

        // Round trip: a fresh backbone loaded from the artifact computes exactly what the trained one does.
        Seeding.SeedTorch(0);
        using var trained = new ImageClassifier(BackboneFactory.Create(BackboneConfig.ResNetMini), 3);
        StateDictIO.Load(trained, result.ClassifierWeightsPath!);
        Seeding.SeedTorch(99);
        using var fresh = new ImageClassifier(BackboneFactory.Create(BackboneConfig.ResNetMini), 3);
        BackboneArtifact.Load(fresh, result.BackboneWeightsPath);
        trained.eval(); fresh.eval();
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            manual_seed(5);
            var x = randn(2, 3, 64, 64);
            var a = trained.Backbone.call(x);
            var b = fresh.Backbone.call(x);
            for (int i = 0; i < 3; i++) Assert.True(a[i].eq(b[i]).all().item<bool>(), $"feature map {i} differs");
        }

        // The detector: every backbone.* tensor equals the artifact's, everything else equals a fresh detector's.
        Seeding.SeedTorch(7);
        using var reference = new RetinaNet(DetectorConfig.Miniature());
        Seeding.SeedTorch(7);
        using var detector = new RetinaNet(DetectorConfig.Miniature());
        var load = StateDictIO.LoadPartial(detector, result.BackboneWeightsPath, "backbone.", "backbone.");
        var artifact = FileBits(result.BackboneWeightsPath);
        var det = TrainingTestKit.Bits(detector);
        var refBits = TrainingTestKit.Bits(reference);
        Assert.Equal(artifact.Keys.Order(), det.Keys.Where(k => k.StartsWith("backbone.")).Order());
        Assert.Equal(artifact.Count, load.LoadedKeys.Count);
        foreach (var (key, bits) in det)
            Assert.True(bits.SequenceEqual(key.StartsWith("backbone.") ? artifact[key] : refBits[key]), key);
        Assert.Contains(det.Keys, k => !k.StartsWith("backbone."));
    }

    [Fact]
    public void AMismatchedBackboneIsRejectedWithTheOffendingKeys()
    {
        using var data = new TinyClassificationData();
        var config = data.Config(PretrainingMethod.Supervised, steps: 1) with { Backbone = BackboneConfig.EfficientNetMini };
        var result = PretrainingExperiment.Run(config, data.Out("effnet"));
        using var detector = new RetinaNet(DetectorConfig.Miniature()); // ResNetMini backbone
        var e = Assert.Throws<StateDictMismatchException>(() => BackboneArtifact.Load(detector, result.BackboneWeightsPath));
        Assert.Contains("backbone.", e.Message);
        Assert.NotEmpty(e.MissingKeys);
        Assert.NotEmpty(e.UnexpectedKeys);
    }

    [Fact]
    public void RandomBackboneProbeIsDeterministicAndWritten()
    {
        using var data = new TinyClassificationData();
        var config = data.Config(PretrainingMethod.Supervised);
        var dir = data.Out("random");
        var a = PretrainingExperiment.LinearProbeOfRandomBackbone(config, dir);
        var b = PretrainingExperiment.LinearProbeOfRandomBackbone(config, dir);
        Assert.Equal(a["linear_probe_top1"], b["linear_probe_top1"]);
        Assert.Equal(a["linear_probe_train_top1"], b["linear_probe_train_top1"]);
        Assert.True(File.Exists(Path.Combine(dir, "linear_probe_random.json")));
    }

    [Fact]
    public void ValidationNamesTheBadField()
    {
        var ok = new PretrainingConfig { Data = new() { TrainRoot = "t", ValRoot = "v" } };
        ok.Validate();
        void Bad(PretrainingConfig c, string field) => Assert.Contains(field, Assert.ThrowsAny<ArgumentException>(c.Validate).Message);
        Bad(ok with { Method = new NoisyStudentPretraining() }, "UnlabeledRoot");
        Bad(ok with { Data = ok.Data with { TrainRoot = "" } }, "TrainRoot");
        (ok with { ImageSize = 32 }).Validate();                // the default augmentation follows ImageSize
        Bad(ok with { Augment = new() { OutputSize = 48 } }, "Augment");
        Bad(ok with { LabelSmoothing = 1 }, "LabelSmoothing");
        Bad(ok with { Method = new SimClrPretraining { Temperature = 0 } }, "Temperature");
        Bad(ok with { Method = new SimClrPretraining(), BatchSize = 1 }, "BatchSize");
        Bad(ok with { Method = new SupervisedPretraining { Dropout = 1 } }, "Dropout");
        var ns = ok with { Method = new NoisyStudentPretraining(), Data = ok.Data with { UnlabeledRoot = "u" } };
        ns.Validate();
        Bad(ns with { Method = new NoisyStudentPretraining { PseudoBatchFraction = 1 } }, "PseudoBatchFraction");
        Bad(ns with { Method = new NoisyStudentPretraining { TeacherClassifierWeights = "/nonexistent/teacher.weights" } }, "TeacherClassifierWeights");
        Bad(ns with { Method = new NoisyStudentPretraining { Teacher = new() { Dropout = -0.5 } } }, "PretrainingConfig.Method.Teacher.Dropout");
        Bad(ns with { Method = new NoisyStudentPretraining { Teacher = new(), TeacherClassifierWeights = "t.weights" } }, "not both");
        Bad(ok with { Method = new SimClrPretraining { ProjectionDim = 0 } }, "PretrainingConfig.Method.ProjectionDim");
        Bad(ns with { Probe = new() { Steps = 0 } }, "Steps");
        Assert.Equal(5, ok.WithSeed(5).Seed);
        Assert.Equal(77, ok.WithTotalSteps(77).Trainer.TotalSteps);
    }

    [Fact]
    public void MethodDefaultsForAugmentation()
    {
        var c = new PretrainingConfig { ImageSize = 64 };
        Assert.Equal(Repro.Core.Augment.Classification.ClassificationPolicy.AutoAugmentImageNet, c.EffectiveAugment().Policy);
        Assert.Equal(64, c.EffectiveAugment().OutputSize);
        Assert.Equal(Repro.Core.Augment.Classification.ClassificationPolicy.None, c.WithMethod(new SimClrPretraining()).EffectiveAugment().Policy);
        var student = c.StudentAugment(new NoisyStudentPretraining { StudentRandAugmentMagnitude = 7 });
        Assert.Equal(Repro.Core.Augment.Classification.ClassificationPolicy.RandAugment, student.Policy);
        Assert.Equal(7, student.RandAugmentMagnitude);
    }
}
