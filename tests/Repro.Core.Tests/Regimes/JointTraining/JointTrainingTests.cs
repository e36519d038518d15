using System.Text.Json;
using Repro.Core.Augment.Classification;
using Repro.Core.Data.ImageFolder;
using Repro.Core.Experiments;
using Repro.Core.Regimes.JointTraining;
using Repro.Core.Tests.Regimes.SelfTraining;
using Repro.Core.Tests.Training;
using Repro.Core.Training;
using static TorchSharp.torch;

namespace Repro.Core.Tests.Regimes.JointTraining;

[Collection(TorchGlobalRngCollection.Name)]
public class JointTrainingTests(SelfTrainingFixture f) : TorchTestBase, IClassFixture<SelfTrainingFixture>
{
    JointTrainingConfig Config(double weight) => new()
    {
        Detection = f.Supervised(steps: 3, batchSize: 4, seed: 5),
        Classification = new()
        {
            TrainRoot = f.Manifest.ClassificationTrain, BatchSize = 6, Weight = weight,
            Augment = new ClassificationAugmentConfig { OutputSize = 64, AreaMin = 0.5 },
        },
    };

    /// <summary>Entries of <paramref name="prefix"/> whose values differ between the initial and the final state.</summary>
    static List<string> Changed(Dictionary<string, Tensor> initial, Dictionary<string, Tensor> final, string prefix) =>
        initial.Keys.Where(k => k.StartsWith(prefix) && initial[k].is_floating_point())
            .Where(k => !initial[k].equal(final[k]).all().item<bool>()).ToList();

    [Fact]
    public void A_few_joint_steps_change_the_detector_and_the_classification_head()
    {
        var config = Config(weight: 1.0);
        int classes = new ImageFolderDataset(config.Classification.TrainRoot).Classes.Count;
        using var initialModel = JointTrainingExperiment.CreateModel(config, classes);
        var initial = initialModel.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());

        var dir = f.NewDir("joint");
        var result = JointTrainingExperiment.Run(config, dir);
        var final = StateDictIO.Read(result.Training.FinalWeightsPath);
        Assert.Equal(initial.Keys.Order(), final.Keys.Order());
        Assert.NotEmpty(Changed(initial, final, "detector.head."));
        Assert.NotEmpty(Changed(initial, final, "detector.backbone."));
        Assert.Equal(new[] { "classifier.fc.bias", "classifier.fc.weight" }, Changed(initial, final, "classifier.").Order());

        // The detector alone is saved in a detection run's layout, and evaluated.
        using var detector = new Repro.Core.Models.Detection.RetinaNet(config.Detection.Detector);
        StateDictIO.Load(detector, Path.Combine(dir, "train", JointTrainingExperiment.DetectorWeightsFileName));
        Assert.InRange(result.Metrics["AP"], 0, 100);
        var lines = File.ReadAllLines(Path.Combine(dir, "train", "metrics.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(3, lines.Count);
        Assert.All(lines, e => Assert.Equal(
            e.GetProperty("loss_detection").GetDouble() + e.GetProperty("loss_classification").GetDouble(), e.GetProperty("loss").GetDouble(), 4));
    }

    [Fact]
    public void With_zero_classification_weight_the_head_gets_no_update_but_the_detector_does()
    {
        // Weight decay is 0 in these options, so only a gradient can move a parameter.
        var config = Config(weight: 0.0);
        int classes = new ImageFolderDataset(config.Classification.TrainRoot).Classes.Count;
        using var initialModel = JointTrainingExperiment.CreateModel(config, classes);
        var initial = initialModel.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());
        var final = StateDictIO.Read(JointTrainingExperiment.Run(config, f.NewDir("joint0")).Training.FinalWeightsPath);
        Assert.Empty(Changed(initial, final, "classifier."));
        Assert.NotEmpty(Changed(initial, final, "detector.head."));
    }

    [Fact]
    public void Classification_batches_are_deterministic_per_step_with_correct_labels()
    {
        var pool = new ImageFolderDataset(f.Manifest.ClassificationTrain);
        var augment = new ClassificationAugmentConfig { OutputSize = 32 };
        var streamed = new ClassificationBatchStream(pool, augment, 5, seed: 9).Stream(0, 4).ToList();
        using var again = new ClassificationBatchStream(pool, augment, 5, seed: 9).BatchAt(3);
        Assert.Equal(streamed[3].SampleIndices, again.SampleIndices);
        Assert.Equal(streamed[3].Images.data<float>().ToArray(), again.Images.data<float>().ToArray());
        foreach (var b in streamed)
        {
            Assert.Equal(new long[] { 5, 3, 32, 32 }, b.Images.shape);
            Assert.Equal(b.SampleIndices.Select(i => (long)pool.LabelOf((int)i)), b.Labels.data<long>().ToArray());
            b.Dispose();
        }
    }

    [Fact]
    public void Config_errors_name_the_field()
    {
        var ok = Config(1.0);
        ok.Validate();
        var json = JsonSerializer.Serialize(ok);
        Assert.Equal(json, JsonSerializer.Serialize(JsonSerializer.Deserialize<JointTrainingConfig>(json)));
        foreach (var (bad, field) in new (JointTrainingConfig, string)[]
                 {
                     (ok with { Classification = ok.Classification with { TrainRoot = "" } }, "JointTrainingConfig.Classification.TrainRoot"),
                     (ok with { Classification = ok.Classification with { TrainRoot = "/nonexistent" } }, "JointTrainingConfig.Classification.TrainRoot"),
                     (ok with { Classification = ok.Classification with { BatchSize = 0 } }, "JointTrainingConfig.Classification.BatchSize"),
                     (ok with { Classification = ok.Classification with { Weight = double.NaN } }, "JointTrainingConfig.Classification.Weight"),
                     (ok with { Classification = ok.Classification with { Augment = new ClassificationAugmentConfig { OutputSize = 0 } } }, "OutputSize"),
                 })
            Assert.Contains(field, Assert.Throws<ArgumentException>(bad.Validate).Message);
        Assert.Equal(f.Detector.InputSize, ok.Classification.EffectiveAugment(ok.Detection.Detector.InputSize).OutputSize);
    }
}
