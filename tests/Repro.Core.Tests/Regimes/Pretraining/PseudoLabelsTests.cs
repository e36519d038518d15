using Repro.Core.Data.Batching;
using Repro.Core.Data.ImageFolder;
using Repro.Core.Data;
using Repro.Core.Models.Backbones;
using Repro.Core.Regimes.Pretraining;
using Repro.Core.Tests.Training;
using static TorchSharp.torch;

namespace Repro.Core.Tests.Regimes.Pretraining;

[Collection(TorchGlobalRngCollection.Name)]
public class PseudoLabelsTests : TorchTestBase
{
    static readonly float[,] P =
    {
        { 0.7f, 0.2f, 0.1f },
        { 0.1f, 0.3f, 0.6f },
        { 0.34f, 0.33f, 0.33f },
        { 0.05f, 0.9f, 0.05f },
    };

    static Tensor Probabilities()
    {
        var flat = new float[12];
        for (int i = 0; i < 4; i++) for (int k = 0; k < 3; k++) flat[i * 3 + k] = P[i, k];
        return tensor(flat, new long[] { 4, 3 });
    }

    [Fact]
    public void HardLabelsAreTheTeachersArgmaxAsOneHot()
    {
        using var p = Probabilities();
        var set = PseudoLabels.FromProbabilities(p, soft: false, confidence: 0);
        Assert.Equal(new[] { 0, 1, 2, 3 }, set.Indices);
        int[] argmax = { 0, 2, 0, 1 };
        for (int i = 0; i < 4; i++)
            for (int k = 0; k < 3; k++) Assert.Equal(k == argmax[i] ? 1f : 0f, set.TargetOf(i)[k]);
        Assert.Equal(new[] { 2, 1, 1 }, set.Summary.ClassHistogram);
        Assert.Equal((0.7 + 0.6 + 0.34 + 0.9) / 4, set.Summary.MeanMaxProbability, 5);
    }

    [Fact]
    public void SoftLabelsAreTheTeachersDistributionAndSumToOne()
    {
        using var scope = NewDisposeScope();
        manual_seed(4);
        var probabilities = nn.functional.softmax(randn(50, 6) * 3, 1);
        var set = PseudoLabels.FromProbabilities(probabilities, soft: true, confidence: 0);
        var expected = probabilities.data<float>().ToArray();
        Assert.Equal(50, set.Count);
        for (int i = 0; i < 50; i++)
        {
            Assert.Equal(1.0, set.TargetOf(i).ToArray().Sum(), 5);
            Assert.Equal(expected.AsSpan(i * 6, 6).ToArray(), set.TargetOf(i).ToArray());
        }
    }

    [Theory]
    [InlineData(0.5, new[] { 0, 1, 3 })]
    [InlineData(0.65, new[] { 0, 3 })]
    [InlineData(0.95, new int[0])]
    public void ConfidenceFilterKeepsExactlyTheImagesAtOrAboveTheThreshold(double threshold, int[] kept)
    {
        using var p = Probabilities();
        foreach (var soft in new[] { true, false })
        {
            var set = PseudoLabels.FromProbabilities(p, soft, threshold);
            Assert.Equal(kept, set.Indices);
            Assert.Equal(4, set.Summary.UnlabeledImages);
            Assert.Equal(kept.Length, set.Summary.KeptImages);
            Assert.Equal(kept.Length, set.Summary.ClassHistogram.Sum());
            for (int j = 0; j < kept.Length; j++)
                Assert.Equal(soft ? P[kept[j], 0] : (kept[j] == 0 ? 1f : 0f), set.TargetOf(j)[0]);
        }
    }

    [Fact]
    public void AnnotateLabelsEachImageWithTheTeachersPredictionOnTheUnaugmentedImage()
    {
        using var data = new TinyClassificationData(size: 32, trainPerClass: 1, valPerClass: 1, unlabeled: 10);
        var pool = new UnlabeledImageFolder(data.UnlabeledRoot);
        manual_seed(8);
        using var teacher = new ImageClassifier(BackboneFactory.Create(BackboneConfig.ResNetMini), 3, dropout: 0.5);
        // Oracle: the teacher's own forward pass (eval mode, no dropout) on batches made by the detector's collator.
        teacher.eval();
        using var scope = NewDisposeScope();
        var samples = Enumerable.Range(0, pool.Count).Select(pool.Get).ToList();
        using var batch = new BatchCollator().CollateTensors(samples);
        float[] probs;
        using (no_grad()) probs = nn.functional.softmax(teacher.call(batch.Images), 1).data<float>().ToArray();
        teacher.train();

        var hard = PseudoLabels.Annotate(teacher, pool, 32, batchSize: 4, soft: false, confidence: 0);
        var soft = PseudoLabels.Annotate(teacher, pool, 32, batchSize: 3, soft: true, confidence: 0);
        Assert.True(teacher.training); // restored
        for (int i = 0; i < pool.Count; i++)
        {
            var row = probs.AsSpan(i * 3, 3).ToArray();
            int arg = Array.IndexOf(row, row.Max());
            Assert.Equal(1f, hard.TargetOf(i)[arg]);
            for (int k = 0; k < 3; k++) Assert.Equal(row[k], soft.TargetOf(i)[k], 5);
        }
    }
}
