using Repro.Core.Data.Fractions;
using Repro.Core.Data.Voc;
using Repro.Core.Experiments;
using Repro.Core.Models.Segmentation;
using Repro.Core.Tests.Miniature;
using Repro.Core.Tests.Training;
using Repro.Core.Training;

namespace Repro.Core.Tests.Experiments;

/// <summary>A segmentation run with a minival held out of the VOC-layout train set.</summary>
[Collection(TorchGlobalRngCollection.Name)]
public class SegmentationMinivalTests(SmokeMiniatureFixture mini) : TorchTestBase, IClassFixture<SmokeMiniatureFixture>
{
    SegmentationExperimentConfig Config(string trainSet, double share) => new()
    {
        Data = new SegmentationDataConfig { VocRoot = mini.Manifest.VocRoot, TrainSet = trainSet }.WithMinival(share),
        Model = SegmentationModelConfig.Miniature(mini.Manifest.SegmentationClasses.Count) with { DecoderChannels = 16 },
        Trainer = new TrainerOptions { TotalSteps = 2, LearningRate = 0.02, WarmupSteps = 1, CheckpointInterval = 0, LogInterval = 1, TensorBoard = false, Threads = 1 },
        BatchSize = 4, EvalBatchSize = 5, Seed = 3,
    };

    [Fact]
    public void The_minival_leaves_train_and_trainaug_alike_is_disjoint_from_val_and_is_scored()
    {
        var root = mini.Manifest.VocRoot;
        var train = new VocSegmentationDataset(root, "train");
        var trainaug = new VocSegmentationDataset(root, "trainaug");
        var val = new VocSegmentationDataset(root, "val");
        var heldOut = LabelledFraction.SelectHeldOut(train.Ids, 0.25, 0);
        Assert.Equal(LabelledFraction.HeldOutCountFor(train.Count, 0.25), heldOut.Length);
        Assert.True(heldOut.Length > 0);
        Assert.Empty(heldOut.Intersect(val.Ids));
        Assert.Subset(train.Ids.ToHashSet(), heldOut.ToHashSet());

        foreach (var (set, all) in new[] { ("train", train), ("trainaug", trainaug) })
        {
            var dir = Path.Combine(Path.GetTempPath(), $"repro-seg-minival-{Guid.NewGuid():N}");
            var r = SegmentationExperiment.Run(Config(set, 0.25), dir);
            // Trained on the set less the minival; scored on the minival apart from val.
            Assert.Equal(all.Count - heldOut.Length, r.Metrics["human_images"]);
            Assert.Equal(heldOut.Length, r.Metrics["minival_images"]);
            Assert.InRange(r.Metrics["minival_mIoU"], 0, 100);
            Assert.True(File.Exists(Path.Combine(dir, "eval_minival.json")));
            Directory.Delete(dir, true);
        }

        var plain = Path.Combine(Path.GetTempPath(), $"repro-seg-minival-{Guid.NewGuid():N}");
        var p = SegmentationExperiment.Run(Config("train", 0), plain);
        Assert.Equal(train.Count, p.Metrics["human_images"]);
        Assert.False(p.Metrics.ContainsKey("minival_mIoU"));
        Directory.Delete(plain, true);
    }
}
