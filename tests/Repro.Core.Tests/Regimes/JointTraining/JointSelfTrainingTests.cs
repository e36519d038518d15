using System.Text.Json;
using Repro.Core.Augment.Classification;
using Repro.Core.Experiments;
using Repro.Core.Models.Detection;
using Repro.Core.Tests.Regimes.SelfTraining;
using Repro.Core.Tests.Training;
using Repro.Core.Training;

namespace Repro.Core.Tests.Regimes.JointTraining;

/// <summary>"w/ All": a self-training student that is also joint-trained on classification.</summary>
[Collection(TorchGlobalRngCollection.Name)]
public class JointSelfTrainingTests(SelfTrainingFixture f) : TorchTestBase, IClassFixture<SelfTrainingFixture>
{
    JointSelfTrainingConfig Config(PseudoLabelResult labels, double weight) => new()
    {
        SelfTraining = new SelfTrainingConfig
        {
            Student = f.Supervised(steps: 3, batchSize: 4, seed: 3),
            PseudoBatchSize = 4,
            NormalizerTimeConstant = 10,
        }.WithPseudoLabels(labels),
        Classification = new()
        {
            TrainRoot = f.Manifest.ClassificationTrain, BatchSize = 6, Weight = weight,
            Augment = new ClassificationAugmentConfig { OutputSize = 64, AreaMin = 0.5 },
        },
    };

    [Fact]
    public void The_loss_is_the_normalized_self_training_loss_plus_the_weighted_classification_loss()
    {
        // A threshold that keeps every box the teacher scores >= 0.05: pseudo boxes exist on some images.
        var labels = PseudoLabeling.Run(f.Labelling(0.05, 4), f.NewDir("labels"));
        var dir = f.NewDir("all");
        var result = SelfTrainingExperiment.Run(Config(labels, weight: 2.0), dir);
        Assert.InRange(result.Metrics["AP"], 0, 100);

        // Each logged step: L = ½·(L_h + (L̄h/L̄p)·L_p) + 2·L_cls (α = 1, τ = 10).
        var lines = File.ReadAllLines(Path.Combine(dir, "train", "metrics.jsonl")).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
        Assert.Equal(3, lines.Count);
        NormalizedLossTrace.Check(lines, timeConstant: 10, alpha: 1.0, extraLoss: e => 2.0 * e.GetProperty("loss_classification").GetDouble());
        Assert.All(lines, e => Assert.True(e.GetProperty("loss_classification").GetDouble() > 0));

        // The joint model is checkpointed (detector.* and classifier.*); the detector alone loads as a detector.
        var final = StateDictIO.Read(result.Training.FinalWeightsPath);
        Assert.Contains(final.Keys, k => k.StartsWith("classifier."));
        Assert.Contains(final.Keys, k => k.StartsWith("detector.head."));
        using var detector = new RetinaNet(f.Detector);
        StateDictIO.Load(detector, Path.Combine(dir, "train", JointTrainingExperiment.DetectorWeightsFileName));
    }

    [Fact]
    public void Config_errors_name_the_field_under_its_own_name()
    {
        var labels = PseudoLabeling.Run(f.Labelling(0.5, 4), f.NewDir("labels"));
        var ok = Config(labels, 1.0);
        ok.Validate();
        foreach (var (bad, field) in new (JointSelfTrainingConfig, string)[]
                 {
                     (ok with { Classification = ok.Classification with { TrainRoot = "/nonexistent" } }, "JointSelfTrainingConfig.Classification.TrainRoot"),
                     (ok with { Classification = ok.Classification with { BatchSize = 0 } }, "JointSelfTrainingConfig.Classification.BatchSize"),
                     (ok with { Classification = ok.Classification with { Weight = -1 } }, "JointSelfTrainingConfig.Classification.Weight"),
                     (ok with { SelfTraining = ok.SelfTraining with { PseudoBatchSize = 0 } }, "SelfTrainingConfig.PseudoBatchSize"),
                 })
            Assert.Contains(field, Assert.Throws<ArgumentException>(bad.Validate).Message);
    }
}
