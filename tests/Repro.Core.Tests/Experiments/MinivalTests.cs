using System.Text.Json;
using Repro.Core.Data.Coco;
using Repro.Core.Data.Fractions;
using Repro.Core.Experiments;
using Repro.Core.Models.Detection;
using Repro.Core.Tests.Regimes.SelfTraining;
using Repro.Core.Tests.Training;
using Repro.Core.Training;

namespace Repro.Core.Tests.Experiments;

/// <summary>A detection run with a minival held out of train: it trains without those images and scores them apart
/// from the val split the tables report.</summary>
[Collection(TorchGlobalRngCollection.Name)]
public class MinivalTests(SelfTrainingFixture f) : TorchTestBase, IClassFixture<SelfTrainingFixture>
{
    DetectionExperimentConfig WithMinival(double share) =>
        f.Supervised(steps: 2, batchSize: 8) with { Data = f.Supervised(2, 8).Data.WithFraction(0.5, 0).WithMinival(share) };

    [Fact]
    public void The_minival_is_held_out_of_training_disjoint_from_val_and_scored_by_the_coco_evaluator()
    {
        var dir = f.NewDir("minival");
        var result = DetectionExperiment.Run(WithMinival(0.2), dir);

        var train = CocoReader.Read(f.Manifest.DetectionTrainAnnotations).Dataset;
        var val = CocoReader.Read(f.Manifest.DetectionValAnnotations).Dataset;
        var minival = JsonSerializer.Deserialize<CocoDataset>(File.ReadAllBytes(Path.Combine(dir, "minival.json")), CocoJson.Options)!;
        var manifest = LabelledFraction.Read(result.FractionManifestPath);

        int expected = LabelledFraction.HeldOutCountFor(train.Images.Count, 0.2);
        Assert.True(expected > 0);
        Assert.Equal(expected, minival.Images.Count);
        Assert.Equal(expected, result.MinivalImages);
        Assert.Equal(manifest.HeldOutImageIds, minival.Images.Select(i => i.Id).Order());
        // Held out of the labelled fraction: the run never trained on a minival image.
        Assert.Empty(manifest.ImageIds.Intersect(minival.Images.Select(i => i.Id)));
        Assert.Equal(LabelledFraction.CountFor(train.Images.Count - expected, 0.5), result.TrainImages);
        // Disjoint from val: minival images are train's files, and no val image has the same bytes as one of them.
        var trainFiles = train.Images.Select(i => i.FileName).ToHashSet();
        Assert.All(minival.Images, i => Assert.Contains(i.FileName, trainFiles));
        static string Sha(string path) => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path)));
        var minivalBytes = minival.Images.Select(i => Sha(Path.Combine(f.Manifest.DetectionTrainImages, i.FileName))).ToHashSet();
        var valBytes = val.Images.Select(i => Sha(Path.Combine(f.Manifest.DetectionValImages, i.FileName))).ToHashSet();
        Assert.Empty(minivalBytes.Intersect(valBytes));
        // Its annotations are exactly train's for those images.
        var ids = minival.Images.Select(i => i.Id).ToHashSet();
        Assert.Equal(train.Annotations.Count(a => ids.Contains(a.ImageId)), minival.Annotations.Count);

        // The minival numbers are the COCO evaluator's on that file, recomputed here from the trained weights.
        Assert.NotNull(result.MinivalMetrics);
        using var model = new RetinaNet(f.Detector);
        StateDictIO.Load(model, result.Training.FinalWeightsPath);
        var data = WithMinival(0.2).Data;
        var again = DetectionEvaluation.Evaluate(model, data.TrainImages, Path.Combine(dir, "minival.json"), DetectionEvaluation.ParamsFor(data), 16);
        Assert.Equal(DetectionExperiment.MetricsOf(again.Summary)["AP"], result.MinivalMetrics!["AP"], 9);
        Assert.True(File.Exists(Path.Combine(dir, "eval_minival.json")));
    }

    [Fact]
    public void Without_a_minival_nothing_is_held_out_and_no_minival_metric_is_reported()
    {
        var dir = f.NewDir("no-minival");
        var result = DetectionExperiment.Run(WithMinival(0.0), dir);
        Assert.Null(result.MinivalMetrics);
        Assert.False(File.Exists(Path.Combine(dir, "minival.json")));
        Assert.Null(LabelledFraction.Read(result.FractionManifestPath).HeldOutImageIds);
    }

    [Fact]
    public void A_minival_share_out_of_range_is_refused_naming_the_field()
    {
        var e = Assert.Throws<ArgumentException>(() => WithMinival(0.7).Validate());
        Assert.Contains("MinivalShare", e.Message);
    }
}
