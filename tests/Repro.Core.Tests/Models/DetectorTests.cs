using System.Text.Json;
using Repro.Core.Data.Coco;
using Repro.Core.Models;
using Repro.Core.Models.Backbones;
using Repro.Core.Models.Detection;
using static TorchSharp.torch;

namespace Repro.Core.Tests.Models;

public class DetectorTests : TorchTestBase
{
    static long Params(nn.Module m) => m.parameters().Sum(p => p.numel());

    [Fact]
    public void MiniatureHasAboutHalfAMillionParametersAndP3ToP5Maps()
    {
        using var scope = NewDisposeScope();
        using var det = new RetinaNet(DetectorConfig.Miniature());
        Assert.InRange(Params(det), 300_000, 600_000);
        det.eval();
        using var _ = no_grad();
        var p = det.Features(randn(2, 3, 64, 64));
        Assert.Equal(new[] { new long[] { 2, 64, 8, 8 }, new long[] { 2, 64, 4, 4 }, new long[] { 2, 64, 2, 2 } }, p.Select(t => t.shape).ToArray());
        var (cls, box) = det.forward(randn(2, 3, 64, 64));
        Assert.Equal(new long[] { 2, 8 * 8 * 6, 6 }, cls[0].shape);
        Assert.Equal(new long[] { 2, 2 * 2 * 6, 4 }, box[2].shape);
        // prior-probability init: every class logit starts near −log(99)
        Assert.InRange(cls[0].mean().item<float>(), -4.7f, -4.5f);
    }

    [Fact]
    public void PaperScaleHasP3ToP7WithStridesUpTo128()
    {
        using var scope = NewDisposeScope();
        using var det = new RetinaNet(DetectorConfig.ResNet50Paper());
        det.eval();
        using var _ = no_grad();
        var p = det.Features(zeros(1, 3, 128, 160));
        Assert.Equal(5, p.Length);
        var expected = new[] { (16, 20), (8, 10), (4, 5), (2, 3), (1, 2) };
        for (int i = 0; i < 5; i++) Assert.Equal(new long[] { 1, 256, expected[i].Item1, expected[i].Item2 }, p[i].shape);
        Assert.Equal(new[] { 8, 16, 32, 64, 128 }, det.Strides);
        // torchvision's retinanet_resnet50_fpn with 91 classes has 34,014,999 parameters (P6 from P5, 91 classes);
        // ours, P6 from C5 (2048 in) and 80 classes: backbone 23,508,032 + FPN + head.
        long backbone = Params(det.Backbone), fpn = Params(det.Fpn), head = Params(det.Head);
        Assert.Equal(23_508_032, backbone);
        long fpnExpected = (512 + 1024 + 2048) * 256 + 3 * 256 + 3 * (256 * 256 * 9 + 256) + (2048 * 256 * 9 + 256) + (256 * 256 * 9 + 256);
        Assert.Equal(fpnExpected, fpn);
        long subnetConvs = 4 * (256 * 256 * 9 + 256);
        Assert.Equal(2 * subnetConvs + (256 * 9 * 9 * 80 + 9 * 80) + (256 * 9 * 9 * 4 + 9 * 4), head);
    }

    [Fact]
    public void EfficientNetMiniatureDetectorRuns()
    {
        using var scope = NewDisposeScope();
        using var det = new RetinaNet(DetectorConfig.MiniatureEfficientNet());
        var losses = det.Losses(randn(2, 3, 64, 64), new[]
        {
            DetectionTarget.FromArrays(new float[] { 10, 10, 30, 40 }, new long[] { 2 }),
            DetectionTarget.FromArrays(Array.Empty<float>(), Array.Empty<long>()),
        });
        Assert.True(float.IsFinite(losses["loss"].item<float>()));
        Assert.InRange(Params(det), 100_000, 1_000_000);
    }

    [Fact]
    public void ConfigRoundTripsThroughJson()
    {
        foreach (var c in new[] { DetectorConfig.Miniature(), DetectorConfig.ResNet50Paper(), DetectorConfig.EfficientNetB7Paper() })
        {
            var json = JsonSerializer.Serialize(c);
            var back = JsonSerializer.Deserialize<DetectorConfig>(json)!;
            Assert.Equal(json, JsonSerializer.Serialize(back));
        }
        Assert.Contains("\"Family\":\"EfficientNet\"", JsonSerializer.Serialize(DetectorConfig.EfficientNetB7Paper()));
    }

    [Fact]
    public void LossesRejectMismatchedTargetsAndLabels()
    {
        using var scope = NewDisposeScope();
        using var det = new RetinaNet(DetectorConfig.Miniature());
        var x = randn(1, 3, 64, 64);
        var e1 = Assert.Throws<ArgumentException>(() => det.Losses(x, Array.Empty<DetectionTarget>()));
        Assert.Contains("targets", e1.Message);
        var e2 = Assert.Throws<ArgumentException>(() => det.Losses(x, new[] { DetectionTarget.FromArrays(new float[] { 0, 0, 5, 5 }, new long[] { 6 }) }));
        Assert.Contains("labels must be in 0..5", e2.Message);
        var e3 = Assert.Throws<ArgumentException>(() => det.Losses(randn(1, 1, 64, 64), new[] { DetectionTarget.FromArrays(Array.Empty<float>(), Array.Empty<long>()) }));
        Assert.Contains("images", e3.Message);
    }

    [Fact]
    public void RunningNormalizerFollowsMomentum()
    {
        using var scope = NewDisposeScope();
        var config = DetectorConfig.Miniature() with { Loss = new LossConfig { PositiveCountMomentum = 0.9, PositiveCountInit = 100 } };
        using var det = new RetinaNet(config);
        var t = new[] { DetectionTarget.FromArrays(new float[] { 8, 8, 24, 24, 30, 30, 60, 50 }, new long[] { 0, 1 }) };
        var l = det.Losses(randn(1, 3, 64, 64), t);
        double pos = l["num_pos"].item<float>();
        Assert.True(pos >= 2);
        var norm = det.state_dict()["positive_count_average"].item<float>();
        Assert.Equal(0.9 * 100 + 0.1 * pos, norm, 4);
    }

    [Fact]
    public void CocoResultsUseXywhAndCategoryIds()
    {
        var map = new CategoryMap(new[] { new CocoCategory { Id = 3 }, new CocoCategory { Id = 17 } });
        var dets = new[] { new ImageDetections(new float[] { 10, 20, 30, 60 }, new[] { 0.9f }, new[] { 1 }) };
        var r = DetectionCocoResults.ToCocoResults(dets, new long[] { 42 }, map, new[] { 2.0 });
        var only = Assert.Single(r);
        Assert.Equal(42, only.ImageId);
        Assert.Equal(17, only.CategoryId);
        Assert.Equal(new double[] { 5, 10, 10, 20 }, only.Bbox);
        Assert.Equal(0.9, only.Score, 6);
    }

    [Fact]
    public void MiniatureDetectorFlopsMatchHandCount()
    {
        using var scope = NewDisposeScope();
        using var det = new RetinaNet(DetectorConfig.Miniature());
        // conv MACs = out_channels · out_pixels · in_channels · k²
        static long C(long cout, long pixels, long cin, long k) => cout * pixels * cin * k * k;
        long backbone = C(16, 32 * 32, 3, 3)                                                     // stem, stride 2
            + C(16, 256, 16, 3) + C(16, 256, 16, 3) + C(16, 256, 16, 1)                          // layer1 (stride 2) + shortcut
            + C(32, 64, 16, 3) + C(32, 64, 32, 3) + C(32, 64, 16, 1)                             // layer2 → C3 8×8
            + C(64, 16, 32, 3) + C(64, 16, 64, 3) + C(64, 16, 32, 1)                             // layer3 → C4 4×4
            + C(96, 4, 64, 3) + C(96, 4, 96, 3) + C(96, 4, 64, 1);                               // layer4 → C5 2×2
        long fpn = C(64, 64, 32, 1) + C(64, 16, 64, 1) + C(64, 4, 96, 1) + C(64, 84, 64, 3);      // laterals + outputs
        long head = 2 * 2 * C(64, 84, 64, 3) + C(6 * 6, 84, 64, 3) + C(6 * 4, 84, 64, 3);        // 2 subnets × 2 convs + outputs
        Assert.Equal(backbone + fpn + head, FlopCounter.DetectorMultiplyAdds(det, 64, 64));
    }

    [Fact]
    public void FlopCounterMatchesHandCountsAndResNet50()
    {
        using var scope = NewDisposeScope();
        var seq = nn.Sequential(nn.Conv2d(3, 8, 3, padding: 1), nn.Conv2d(8, 8, 3, stride: 2, padding: 1, groups: 4), nn.Flatten(), nn.Linear(8 * 5 * 5, 10));
        // conv1: 8·10·10 outputs × 27; grouped conv: 8·5·5 outputs × (2·9); linear: 10 × 200
        Assert.Equal(8 * 100 * 27 + 8 * 25 * 18 + 10 * 200, FlopCounter.ImageModelMultiplyAdds(seq, 10, 10));
        using var r50 = new ImageClassifier(BackboneFactory.Create(BackboneConfig.ResNet50), 1000);
        long macs = FlopCounter.ImageModelMultiplyAdds(r50, 224, 224);
        Assert.InRange(macs, 4.07e9, 4.11e9);   // the commonly quoted 4.09 GMACs
    }
}

public class GroupNormDetectorTests : TorchTestBase
{
    [Fact]
    public void GroupNormLayersStartAtIdentityAffineAndGiveFiniteLosses()
    {
        // TorchSharp 0.107 leaves GroupNorm's weight/bias uninitialised; ours must start at (1, 0).
        using var scope = NewDisposeScope();
        var gn = NormLayers.Create(NormKind.GroupNorm, 16, 8);
        foreach (var (name, p) in gn.named_parameters())
            Assert.True(p.eq(name == "weight" ? 1f : 0f).all().item<bool>(), $"{name} not initialised");
        var config = DetectorConfig.Miniature() with
        {
            Backbone = BackboneConfig.ResNetMini with { Norm = NormKind.GroupNorm, GroupNormGroups = 8 },
            Head = new HeadConfig { Convs = 2, GroupNorm = true, GroupNormGroups = 16 },
        };
        using var det = new RetinaNet(config);
        var l = det.Losses(randn(2, 3, 64, 64), new[]
        {
            DetectionTarget.FromArrays(new float[] { 4, 4, 30, 30 }, new long[] { 1 }),
            DetectionTarget.FromArrays(new float[] { 20, 10, 50, 40 }, new long[] { 3 }),
        });
        Assert.True(float.IsFinite(l["loss"].item<float>()));
        Assert.Contains(det.named_modules(), m => m.module is TorchSharp.Modules.GroupNorm);
    }
}
