using Repro.Core.Training;
using Repro.Core.Models;
using Repro.Core.Models.Backbones;
using static TorchSharp.torch;

namespace Repro.Core.Tests.Models;

public class BackboneTests : TorchTestBase
{
    static long Params(TorchSharp.torch.nn.Module m) => m.parameters().Sum(p => p.numel());

    [Fact]
    public void ResNet50WithImageNetHeadHasTorchvisionParameterCount()
    {
        using var model = new ImageClassifier(BackboneFactory.Create(BackboneConfig.ResNet50), 1000);
        Assert.Equal(25_557_032, Params(model));
    }

    [Fact]
    public void EfficientNetB0WithImageNetHeadHasTorchvisionParameterCount()
    {
        using var model = new ImageClassifier(BackboneFactory.Create(BackboneConfig.EfficientNetB0), 1000, dropout: 0.2);
        Assert.Equal(5_288_548, Params(model));
        // every parameter and buffer is initialised (finite, moderate) — TorchSharp leaves some norm layers uninitialised
        foreach (var (name, t) in model.state_dict())
            if (t.is_floating_point())
                Assert.True(t.isfinite().all().item<bool>() && t.abs().max().item<float>() < 100, $"{name} is not initialised");
    }

    [Fact]
    public void EfficientNetB7CompoundScalingGivesTorchvisionParameterCount()
    {
        // Width 2.0 / depth 3.1 with rounding to multiples of 8 and ceil of depths: torchvision's B7 has 66,347,960.
        using var model = new ImageClassifier(BackboneFactory.Create(BackboneConfig.EfficientNetB7), 1000, dropout: 0.5);
        Assert.Equal(66_347_960, Params(model));
        Assert.Equal(new long[] { 80, 224, 640 }, model.Backbone.FeatureChannels);
    }

    [Fact]
    public void ResNet18And34HaveTorchvisionParameterCounts()
    {
        using var r18 = new ImageClassifier(BackboneFactory.Create(new BackboneConfig { Name = "resnet18" }), 1000);
        using var r34 = new ImageClassifier(BackboneFactory.Create(new BackboneConfig { Name = "resnet34" }), 1000);
        Assert.Equal(11_689_512, Params(r18));
        Assert.Equal(21_797_672, Params(r34));
    }

    [Theory]
    [InlineData("resnet-mini", BackboneFamily.ResNet, 64)]
    [InlineData("efficientnet-mini", BackboneFamily.EfficientNet, 64)]
    [InlineData("resnet18", BackboneFamily.ResNet, 96)]
    [InlineData("efficientnet-b0", BackboneFamily.EfficientNet, 96)]
    public void FeatureMapsHaveStrides8To32AndDeclaredChannels(string name, BackboneFamily family, int size)
    {
        using var scope = NewDisposeScope();
        using var b = BackboneFactory.Create(new BackboneConfig { Family = family, Name = name });
        b.eval();
        using var _ = no_grad();
        var f = b.call(randn(2, 3, size, size));
        Assert.Equal(3, f.Length);
        for (int i = 0; i < 3; i++)
        {
            int stride = 8 << i;
            Assert.Equal(new long[] { 2, b.FeatureChannels[i], size / stride, size / stride }, f[i].shape);
        }
    }

    [Fact]
    public void BackboneWeightsLoadByNameFromClassifierIntoDetector()
    {
        using var scope = NewDisposeScope();
        manual_seed(1);
        using var classifier = new ImageClassifier(BackboneFactory.Create(BackboneConfig.ResNetMini), 10);
        manual_seed(2);
        using var detector = new Repro.Core.Models.Detection.RetinaNet(Repro.Core.Models.Detection.DetectorConfig.Miniature());
        var source = classifier.state_dict().Where(kv => kv.Key.StartsWith("backbone.")).ToDictionary(kv => kv.Key, kv => kv.Value);
        var target = detector.state_dict().Where(kv => kv.Key.StartsWith("backbone.")).Select(kv => kv.Key).ToHashSet();
        Assert.True(source.Count > 10);
        Assert.Equal(source.Keys.ToHashSet(), target);
        // The production path (DetectionRunParts): the backbone entries, by name, strictly.
        var loaded = StateDictIO.LoadPartial(detector, source, "backbone.", "backbone.");
        Assert.Equal(source.Count, loaded.LoadedKeys.Count);

        classifier.eval(); detector.eval();
        using var _ = no_grad();
        var x = randn(1, 3, 64, 64);
        Assert.True(classifier.Backbone.call(x)[2].allclose(detector.Backbone.call(x)[2], atol: 1e-6));

        // a state dict from another backbone is refused with the missing names
        using var other = new ImageClassifier(BackboneFactory.Create(BackboneConfig.EfficientNetMini), 10);
        var otherBackbone = other.state_dict().Where(kv => kv.Key.StartsWith("backbone.")).ToDictionary(kv => kv.Key, kv => kv.Value);
        var e = Assert.Throws<StateDictMismatchException>(() => StateDictIO.LoadPartial(detector, otherBackbone, "backbone.", "backbone."));
        Assert.Contains("backbone.stem", e.Message);
    }

    [Fact]
    public void FrozenBatchNormMatchesBatchNormInEvalAndHasNoParameters()
    {
        using var scope = NewDisposeScope();
        var bn = nn.BatchNorm2d(4);
        using (no_grad())
        {
            bn.running_mean!.copy_(tensor(new float[] { 0.1f, -0.2f, 0.3f, 0f }));
            bn.running_var!.copy_(tensor(new float[] { 1.5f, 0.5f, 2f, 1f }));
            bn.weight!.copy_(tensor(new float[] { 1.1f, 0.9f, 1f, 2f }));
            bn.bias!.copy_(tensor(new float[] { 0f, 0.1f, -0.1f, 0.5f }));
        }
        bn.eval();
        var frozen = new FrozenBatchNorm2d(4);
        var (missing, _) = frozen.load_state_dict(bn.state_dict(), strict: false);
        Assert.Empty(missing);
        Assert.Empty(frozen.parameters());
        var x = randn(2, 4, 3, 3);
        Assert.True(bn.call(x).allclose(frozen.call(x), atol: 1e-5));
    }

    [Fact]
    public void StochasticDepthDropsWholeSamplesOnlyInTraining()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        var sd = new StochasticDepth(0.5);
        var x = ones(4000, 2, 2, 2);
        sd.train();
        var y = sd.call(x);
        var perSample = y.reshape(4000, -1);
        // every sample is either all 0 or all 2 (= 1/(1−p)); about half survive
        Assert.True((perSample.min(1).values == perSample.max(1).values).all().item<bool>());
        double kept = (perSample[.., 0] > 0).sum().item<long>() / 4000.0;
        Assert.InRange(kept, 0.45, 0.55);
        Assert.Equal(2f, perSample.max().item<float>());
        sd.eval();
        Assert.True(sd.call(x).eq(x).all().item<bool>());
    }

    [Fact]
    public void EfficientNetChannelsRoundToMultiplesOf8()
    {
        Assert.Equal(32, ChannelRounding.RoundToMultiple(32 * 1.0));
        Assert.Equal(64, ChannelRounding.RoundToMultiple(32 * 2.0));
        Assert.Equal(40, ChannelRounding.RoundToMultiple(32 * 1.2));   // 38.4 → 40
        Assert.Equal(48, ChannelRounding.RoundToMultiple(40 * 1.1));   // 44 → 48 (round half up)
        Assert.Equal(16, ChannelRounding.RoundToMultiple(12));         // 12 → 16
        Assert.Equal(8, ChannelRounding.RoundToMultiple(3));           // at least the divisor
        Assert.Equal(24, ChannelRounding.RoundToMultiple(26.3));       // 24 ≥ 0.9 × 26.3
        Assert.Equal(4, new EfficientNetSpec { Depth = 3.1 }.ScaleDepth(1));
        Assert.Equal(13, new EfficientNetSpec { Depth = 3.1 }.ScaleDepth(4));
    }

    [Fact]
    public void UnknownBackboneNameIsRejectedWithTheName()
    {
        var e = Assert.Throws<ArgumentException>(() => BackboneFactory.Create(new BackboneConfig { Name = "resnet51" }));
        Assert.Contains("resnet51", e.Message);
    }
}
