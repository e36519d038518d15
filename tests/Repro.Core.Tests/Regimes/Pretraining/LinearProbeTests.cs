using Repro.Core.Models.Backbones;
using Repro.Core.Regimes.Pretraining;
using Repro.Core.Tests.Training;
using Repro.Core.Experiments;
using static TorchSharp.torch;

namespace Repro.Core.Tests.Regimes.Pretraining;

[Collection(TorchGlobalRngCollection.Name)]
public class LinearProbeTests : TorchTestBase
{
    [Fact]
    public void LinearlySeparableFeaturesAreClassifiedPerfectly()
    {
        // 4 classes in 10-d: class c has mean 3·e_c plus unit noise in all dimensions, offset by a shared shift and scale
        // (which standardisation must undo); such clusters are linearly separable with a wide margin.
        var rng = new Random(3);
        (Tensor X, long[] Y) Make(int perClass)
        {
            var x = new List<float>();
            var y = new List<long>();
            for (int c = 0; c < 4; c++)
                for (int i = 0; i < perClass; i++)
                {
                    for (int d = 0; d < 10; d++) x.Add((float)(100 + 5 * ((d == c ? 6 : 0) + 0.3 * Gaussian(rng))));
                    y.Add(c);
                }
            return (tensor(x.ToArray(), new long[] { 4 * perClass, 10 }), y.ToArray());
        }
        var (xt, yt) = Make(50);
        var (xv, yv) = Make(20);
        var result = LinearProbe.Fit(xt, yt, xv, yv, 4, new LinearProbeOptions { Steps = 200 });
        Assert.Equal(100, result.TrainTop1);
        Assert.Equal(100, result.ValTop1);
        Assert.Equal(10, result.FeatureDim);
        Assert.True(result.FinalLoss < 0.1, $"loss {result.FinalLoss}");
    }

    [Fact]
    public void FeaturesWithoutInformationScoreNearChanceOnVal()
    {
        var rng = new Random(4);
        (Tensor, long[]) Make(int n) => (tensor(Enumerable.Range(0, n * 5).Select(_ => (float)Gaussian(rng)).ToArray(), new long[] { n, 5 }),
                                         Enumerable.Range(0, n).Select(i => (long)(i % 2)).ToArray());
        var (xt, yt) = Make(400);
        var (xv, yv) = Make(400);
        var result = LinearProbe.Fit(xt, yt, xv, yv, 2, new LinearProbeOptions());
        Assert.InRange(result.ValTop1, 40, 60);
    }

    [Fact]
    public void ProbesABackboneEndToEndOnTinyImages()
    {
        using var data = new TinyClassificationData(size: 32, trainPerClass: 6, valPerClass: 3, unlabeled: 1);
        var opened = PretrainingData.Open(data.DataConfig, withUnlabeled: false);
        manual_seed(1);
        using var backbone = BackboneFactory.Create(BackboneConfig.ResNetMini);
        var result = LinearProbe.OfBackbone(backbone, opened, 32, new LinearProbeOptions { Steps = 100 });
        Assert.Equal(96, result.FeatureDim); // ResNetMini's C5 width
        Assert.Equal(18, result.TrainImages);
        Assert.Equal(9, result.ValImages);
        Assert.InRange(result.ValTop1, 0, 100);
        Assert.True(result.TrainTop1 > 90, $"a linear probe should fit 18 images of 3 colour classes, got {result.TrainTop1}");
        Assert.True(backbone.training); // left as it was
    }

    static double Gaussian(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}
