using Repro.Core.Models.Backbones;
using Repro.Core.Models.Segmentation;
using Repro.Core.Tests.Training;
using Repro.Core.Training;
using static TorchSharp.torch;

namespace Repro.Core.Tests.Models.Segmentation;

[Collection(TorchGlobalRngCollection.Name)]
public class SegmentationModelTests : TorchTestBase
{
    static SegmentationModelConfig Config(string backbone, int stride, int classes = 5) => new()
    {
        Backbone = backbone == "efficientnet" ? BackboneConfig.EfficientNetMini : BackboneConfig.ResNetMini,
        DecoderChannels = 16, NumClasses = classes, OutputStride = stride,
    };

    [Theory]
    [InlineData("resnet", 4)]
    [InlineData("resnet", 8)]
    [InlineData("efficientnet", 4)]
    [InlineData("efficientnet", 8)]
    public void Logits_have_the_input_size_and_the_decoder_works_at_the_configured_stride(string backbone, int stride)
    {
        using var oneThread = new OneThread();
        manual_seed(1);
        using var model = new SegmentationModel(Config(backbone, stride));
        model.eval();
        using var noGrad = no_grad();
        foreach (var (h, w) in new[] { (64, 64), (32, 96), (50, 70) })
        {
            using var scope = NewDisposeScope();
            var images = randn(2, 3, h, w);
            Assert.Equal(new long[] { 2, 5, h, w }, model.call(images).shape);
            // Stride-s convs with padding give ⌈n/s⌉ (per stride-2 stage), which is n/s for multiples of 32.
            long Down(long n) { for (int s = 1; s < stride; s *= 2) n = (n + 1) / 2; return n; }
            Assert.Equal(new long[] { 2, 5, Down(h), Down(w) }, model.DecoderLogits(images).shape);
        }
    }

    [Theory]
    [InlineData("resnet")]
    [InlineData("efficientnet")]
    public void The_stride_4_map_comes_with_the_unchanged_C3_C5(string backbone)
    {
        manual_seed(2);
        using var b = BackboneFactory.Create(Config(backbone, 4).Backbone);
        b.eval();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var images = randn(1, 3, 64, 64);
        var usual = b.call(images);
        var withC2 = b.ForwardWithStride4(images);
        Assert.Equal(4, withC2.Length);
        Assert.Equal(new long[] { 1, b.Stride4Channels!.Value, 16, 16 }, withC2[0].shape);
        for (int k = 0; k < 3; k++) Assert.True(usual[k].eq(withC2[k + 1]).all().item<bool>(), $"C{k + 3} differs");
    }

    [Fact]
    public void Parameter_names_are_backbone_decoder_classifier_and_the_backbone_part_matches_a_classifier()
    {
        manual_seed(3);
        var config = Config("resnet", 4);
        using var model = new SegmentationModel(config);
        using var classifier = new ImageClassifier(BackboneFactory.Create(config.Backbone), 7);
        var names = model.state_dict().Keys.ToList();
        Assert.All(names, n => Assert.True(n.StartsWith("backbone.") || n.StartsWith("decoder.") || n.StartsWith("classifier."), n));
        Assert.Equal(classifier.state_dict().Keys.Where(k => k.StartsWith("backbone.")).Order(), names.Where(k => k.StartsWith("backbone.")).Order());
        Assert.Contains("decoder.lateral.0.weight", names);  // the stride-4 level is fused
        Assert.Contains("decoder.branch.3.2.conv.weight", names);  // C5's branch: three upsampling stages
    }

    [Fact]
    public void Backbone_weights_from_a_file_load_exactly_and_leave_the_rest_alone()
    {
        var path = Path.Combine(Path.GetTempPath(), $"repro-seg-backbone-{Guid.NewGuid():N}.weights");
        try
        {
            var config = Config("efficientnet", 4);
            manual_seed(10);
            using var pretrained = new ImageClassifier(BackboneFactory.Create(config.Backbone), 16);
            StateDictIO.Save(pretrained, path);
            manual_seed(11);
            using var model = new SegmentationModel(config);
            var decoderBefore = model.state_dict().Where(kv => !kv.Key.StartsWith("backbone.")).ToDictionary(kv => kv.Key, kv => kv.Value.clone());
            StateDictIO.LoadPartial(model, path, "backbone.", "backbone.", allowUnexpected: true);
            var source = StateDictIO.Read(path);
            int compared = 0;
            foreach (var (name, t) in model.state_dict())
            {
                if (name.StartsWith("backbone."))
                {
                    Assert.True(t.eq(source[name]).all().item<bool>(), $"{name} differs from the file");
                    compared++;
                }
                else Assert.True(t.eq(decoderBefore[name]).all().item<bool>(), $"{name} changed");
            }
            Assert.True(compared > 20, $"only {compared} backbone tensors");
            foreach (var t in source.Values) t.Dispose();
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Bad_configs_name_the_field()
    {
        Assert.Contains("OutputStride", Assert.Throws<ArgumentException>(() => (SegmentationModelConfig.Miniature() with { OutputStride = 16 }).Validate()).Message);
        Assert.Contains("NumClasses", Assert.Throws<ArgumentException>(() => SegmentationModelConfig.Miniature(numClasses: 256).Validate()).Message);
        Assert.Contains("InputSize", Assert.Throws<ArgumentException>(() => SegmentationModelConfig.Miniature(inputSize: 16).Validate()).Message);
    }
}
