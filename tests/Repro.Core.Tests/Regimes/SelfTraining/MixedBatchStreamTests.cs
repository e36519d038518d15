using Repro.Core.Augment;
using Repro.Core.Data;
using Repro.Core.Experiments;
using Repro.Core.Regimes.SelfTraining;
using Repro.Core.Tests.Data;

namespace Repro.Core.Tests.Regimes.SelfTraining;

public class MixedBatchStreamTests : TorchTestBase
{
    /// <summary>In-memory images with one box each; ids start at <paramref name="idBase"/> so the two sets are told apart.</summary>
    sealed class SyntheticSet(int count, long idBase) : ILabelledImageSet
    {
        public int Count => count;
        public LabelledImage Get(int index) => new()
        {
            ImageId = idBase + index,
            Image = TempDataDir.Pattern(64, 64, salt: (int)(idBase + index)),
            Boxes = new[] { new BoxXyxy(8 + index, 10, 40, 44) },
            Labels = new[] { index % 3 },
        };
    }

    static readonly DetectionExperimentConfig Config = new() { Augment = AugmentConfig.ForLevel(AugmentLevel.S2, 64) };

    static MixedBatchStream Make(long humanSeed, long pseudoSeed) => new(
        DetectionRunParts.CreateLoader(new SyntheticSet(10, 1000), 3, humanSeed, Config),
        DetectionRunParts.CreateLoader(new SyntheticSet(12, 5000), 5, pseudoSeed, Config));

    [Fact]
    public void Every_step_has_the_requested_human_and_pseudo_counts_from_the_right_sets()
    {
        int steps = 0;
        foreach (var batch in Make(1, 2).Stream(0, 9))
        {
            using (batch)
            {
                Assert.Equal((3, 5), (batch.HumanCount, batch.PseudoCount));
                Assert.Equal(new[] { 3, 5 }, batch.GroupSizes);
                Assert.All(batch.Human.ImageIds, id => Assert.InRange(id, 1000, 1009));
                Assert.All(batch.Pseudo.ImageIds, id => Assert.InRange(id, 5000, 5011));
                using var images = batch.Images();
                Assert.Equal(new long[] { 8, 3, 64, 64 }, images.shape);
                var targets = batch.Targets();
                Assert.Equal(8, targets.Count);
                // Targets follow the image order: human first, then pseudo.
                Assert.Same(batch.Pseudo.Boxes[0], targets[3].Boxes);
                steps++;
            }
        }
        Assert.Equal(9, steps);
    }

    [Fact]
    public void A_step_is_a_pure_function_of_the_seeds_and_the_step()
    {
        var streamed = Make(1, 2).Stream(0, 7).ToList();
        try
        {
            var fresh = Make(1, 2);
            foreach (var k in new[] { 6, 0, 4 })
            {
                using var again = fresh.BatchAt(k);
                AssertSame(streamed[k], again);
            }
            // Resuming the stream mid-way gives the same batches as streaming from the start.
            foreach (var (batch, k) in Make(1, 2).Stream(4, 7).Select((b, i) => (b, i + 4)))
                using (batch) AssertSame(streamed[k], batch);

            // The pseudo half's order and augmentation follow its own seed.
            using var other = Make(1, 3).BatchAt(0);
            Assert.Equal(streamed[0].Human.ImageIds, other.Human.ImageIds);
            Assert.NotEqual(streamed[0].Pseudo.ImageIds, other.Pseudo.ImageIds);
        }
        finally
        {
            foreach (var b in streamed) b.Dispose();
        }
    }

    static void AssertSame(MixedBatch a, MixedBatch b)
    {
        Assert.Equal(a.Human.ImageIds, b.Human.ImageIds);
        Assert.Equal(a.Pseudo.ImageIds, b.Pseudo.ImageIds);
        AssertEqual(a.Human.Images, b.Human.Images);
        AssertEqual(a.Pseudo.Images, b.Pseudo.Images);
        for (int i = 0; i < a.PseudoCount; i++) AssertEqual(a.Pseudo.Boxes[i], b.Pseudo.Boxes[i]);
    }

    static void AssertEqual(TorchSharp.torch.Tensor x, TorchSharp.torch.Tensor y)
    {
        Assert.Equal(x.shape, y.shape);
        if (x.numel() > 0) Assert.Equal(x.data<float>().ToArray(), y.data<float>().ToArray());
    }
}
