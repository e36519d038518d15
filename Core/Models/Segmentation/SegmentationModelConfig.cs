using Repro.Core.Models.Backbones;

namespace Repro.Core.Models.Segmentation;

/// <summary>
/// Everything that defines a <see cref="SegmentationModel"/>: backbone, decoder width, output stride of the decoder
/// (4 = fuse C2–C5, 8 = fuse C3–C5), class count (background included) and nominal square input size. A plain
/// JSON-serialisable record; the defaults are the CPU miniature (<see cref="Miniature"/>).
/// </summary>
public sealed record SegmentationModelConfig
{
    public BackboneConfig Backbone { get; init; } = BackboneConfig.ResNetMini;
    /// <summary>Channels of the decoder's pyramid and fusion branches.</summary>
    public int DecoderChannels { get; init; } = 64;
    /// <summary>Classes including background (VOC: 21; the miniature: 9). 255 is the ignore label, never a class.</summary>
    public int NumClasses { get; init; } = 9;
    /// <summary>Side of the square training crops and of the evaluation canvas, px.</summary>
    public int InputSize { get; init; } = 64;
    /// <summary>Stride of the decoder's per-pixel logits before the bilinear upsampling to the input size: 4 or 8.</summary>
    public int OutputStride { get; init; } = 4;

    /// <summary>The CPU miniature: ResNet-mini backbone, 64-channel decoder at output stride 4.</summary>
    public static SegmentationModelConfig Miniature(int numClasses = 9, int inputSize = 64) =>
        new() { NumClasses = numClasses, InputSize = inputSize };

    /// <summary>The miniature with the EfficientNet-mini backbone.</summary>
    public static SegmentationModelConfig MiniatureEfficientNet(int numClasses = 9, int inputSize = 64) =>
        new() { NumClasses = numClasses, InputSize = inputSize, Backbone = BackboneConfig.EfficientNetMini };

    /// <summary>
    /// Paper scale: EfficientNet-B7 backbone, 256-channel decoder at output stride 4, 512 px crops (the release's
    /// PASCAL crop; 640 is the detection size). The paper uses NAS-FPN; this FPN-style decoder stands in for it.
    /// </summary>
    public static SegmentationModelConfig Paper(int numClasses = 21, int inputSize = 512) => new()
    {
        NumClasses = numClasses, InputSize = inputSize, Backbone = BackboneConfig.EfficientNetB7, DecoderChannels = 256,
    };

    /// <summary>This config with another class count and input size (for callers without C# `with`, e.g. F#).</summary>
    public SegmentationModelConfig WithClasses(int numClasses, int inputSize) => this with { NumClasses = numClasses, InputSize = inputSize };

    /// <summary>This config on another backbone (the detector's, so pre-trained backbones load into both).</summary>
    public SegmentationModelConfig WithBackbone(BackboneConfig backbone) => this with { Backbone = backbone };

    /// <summary>Pyramid levels the decoder fuses: log2(OutputStride) … 5.</summary>
    public int MinLevel => OutputStride == 4 ? 2 : 3;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid field.</summary>
    public void Validate()
    {
        const string p = "SegmentationModelConfig.";
        if (Backbone == null) throw new ArgumentException($"{p}{nameof(Backbone)} must not be null", nameof(Backbone));
        if (DecoderChannels < 1) throw new ArgumentException($"{p}{nameof(DecoderChannels)} must be positive, got {DecoderChannels}", nameof(DecoderChannels));
        if (NumClasses is < 2 or > 255)
            throw new ArgumentException($"{p}{nameof(NumClasses)} must be in 2..255 (background included; 255 is the ignore label), got {NumClasses}", nameof(NumClasses));
        if (InputSize < 32) throw new ArgumentException($"{p}{nameof(InputSize)} must be >= 32, got {InputSize}", nameof(InputSize));
        if (OutputStride is not (4 or 8)) throw new ArgumentException($"{p}{nameof(OutputStride)} must be 4 or 8, got {OutputStride}", nameof(OutputStride));
    }
}
