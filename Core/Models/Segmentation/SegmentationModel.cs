using Repro.Core.Models.Backbones;
using TorchSharp;
using static TorchSharp.torch;

namespace Repro.Core.Models.Segmentation;

/// <summary>
/// Semantic segmentation on the detection backbones: backbone → <see cref="SegmentationDecoder"/> (FPN-style fusion of
/// C2–C5 at output stride 4, or C3–C5 at stride 8) → 1×1 per-pixel classifier → bilinear upsampling to the input size.
/// Trained with <see cref="PixelCrossEntropy"/> (ignore label 255). Parameter names: <c>backbone.*</c> (so
/// pre-trained backbone weights load by name as for RetinaNet), <c>decoder.*</c>, <c>classifier.*</c>.
/// </summary>
public sealed class SegmentationModel : nn.Module<Tensor, Tensor>
{
    readonly Backbone backbone;
    readonly SegmentationDecoder decoder;
    readonly nn.Module<Tensor, Tensor> classifier;

    public SegmentationModel(SegmentationModelConfig config) : base(nameof(SegmentationModel))
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        backbone = BackboneFactory.Create(config.Backbone);
        IReadOnlyList<long> channels;
        if (config.OutputStride == 4)
        {
            long c2 = backbone.Stride4Channels
                      ?? throw new ArgumentException($"backbone {config.Backbone.Name} exposes no stride-4 map; use OutputStride 8", nameof(config));
            channels = new[] { c2 }.Concat(backbone.FeatureChannels).ToArray();
        }
        else channels = backbone.FeatureChannels;
        decoder = new SegmentationDecoder(channels, config.DecoderChannels);
        classifier = nn.Conv2d(config.DecoderChannels, config.NumClasses, 1);
        RegisterComponents();
        using var noGrad = no_grad();
        foreach (var (name, p) in classifier.named_parameters())
        {
            if (name.EndsWith("weight")) nn.init.normal_(p, 0, 0.01);
            else p.zero_();
        }
    }

    public SegmentationModelConfig Config { get; }
    public Backbone Backbone => backbone;
    public SegmentationDecoder Decoder => decoder;

    /// <summary>Class logits [B, C, H, W] at the input's own size (any H, W).</summary>
    public override Tensor forward(Tensor images)
    {
        var coarse = DecoderLogits(images);
        return nn.functional.interpolate(coarse, size: new[] { images.shape[2], images.shape[3] }, mode: InterpolationMode.Bilinear, align_corners: false);
    }

    /// <summary>Class logits at the decoder's resolution, [B, C, ⌈H/OutputStride⌉, ⌈W/OutputStride⌉] (before upsampling),
    /// on the model's device (<see cref="ModelDevice"/>; the images are moved there).</summary>
    public Tensor DecoderLogits(Tensor images)
    {
        if (images.dim() != 4 || images.shape[1] != 3)
            throw new ArgumentException($"images must be [B, 3, H, W], got [{string.Join(",", images.shape)}]", nameof(images));
        images = ModelDevice.On(images, ModelDevice.Of(this));
        var features = Config.OutputStride == 4 ? backbone.ForwardWithStride4(images) : backbone.call(images);
        return classifier.call(decoder.call(features));
    }

    /// <summary>Training loss for a batch: {"loss": mean pixel cross-entropy over non-ignored pixels}.</summary>
    /// <param name="images">[B, 3, H, W] float, normalised.</param>
    /// <param name="masks">[B, H, W] integer labels, 255 = ignore (padding included); on any device (the loss moves them).</param>
    public Dictionary<string, Tensor> Losses(Tensor images, Tensor masks) =>
        new() { ["loss"] = PixelCrossEntropy.Mean(call(images), masks) };

    /// <summary>Softmax class probabilities [B, C, H, W] in eval mode without gradient (training flag restored).</summary>
    public Tensor Probabilities(Tensor images)
    {
        bool wasTraining = training;
        eval();
        try
        {
            using var noGrad = no_grad();
            return nn.functional.softmax(call(images), 1);
        }
        finally { train(wasTraining); }
    }
}
