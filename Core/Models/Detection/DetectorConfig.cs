using Repro.Core.Models.Backbones;

namespace Repro.Core.Models.Detection;

/// <summary>
/// Everything that defines a RetinaNet: backbone, FPN, head, anchors, box coder, matcher, loss, post-processing, input
/// size and class count. A plain JSON-serialisable record; the defaults are the CPU miniature (<see cref="Miniature"/>).
/// </summary>
public sealed record DetectorConfig
{
    public int NumClasses { get; init; } = 6;
    /// <summary>Nominal square input size in pixels (images may differ; used for FLOP counts and presets).</summary>
    public int InputSize { get; init; } = 64;
    public BackboneConfig Backbone { get; init; } = BackboneConfig.ResNetMini;
    public FpnConfig Fpn { get; init; } = new();
    public HeadConfig Head { get; init; } = new() { Convs = 2 };
    public AnchorConfig Anchors { get; init; } = new() { SizeFactor = 1.5, ScalesPerOctave = 2 };
    public double[] BoxCoderWeights { get; init; } = { 1, 1, 1, 1 };
    public MatcherConfig Matcher { get; init; } = new();
    public LossConfig Loss { get; init; } = new();
    public PostProcessConfig PostProcess { get; init; } = new();

    /// <summary>
    /// The CPU miniature (~0.5M parameters at 64×64): ResNet-mini backbone (widths 16/32/64/96), 64-channel FPN on
    /// P3–P5, 2 head convs, 6 anchors per location (2 scales × 3 ratios, base 1.5 × stride, so 12–68 px objects fit).
    /// </summary>
    public static DetectorConfig Miniature(int numClasses = 6) => new() { NumClasses = numClasses };

    /// <summary>The miniature with the EfficientNet-mini backbone in place of ResNet-mini.</summary>
    public static DetectorConfig MiniatureEfficientNet(int numClasses = 6) => new() { NumClasses = numClasses, Backbone = BackboneConfig.EfficientNetMini };

    /// <summary>RetinaNet ResNet-50 FPN (P3–P7, 256 channels, 4 head convs, 9 anchors, factor 4), paper's release loss settings, 640 px.</summary>
    public static DetectorConfig ResNet50Paper(int numClasses = 80) => PaperScale(numClasses, BackboneConfig.ResNet50, 640);

    /// <summary>RetinaNet EfficientNet-B7 FPN at 640×640 as in the paper's detection tables.</summary>
    public static DetectorConfig EfficientNetB7Paper(int numClasses = 80) => PaperScale(numClasses, BackboneConfig.EfficientNetB7, 640);

    /// <summary>Preset names the harness's profiles use for the paper's backbones.</summary>
    public static IReadOnlyList<string> PresetNames { get; } = new[] { "resnet-mini", "efficientnet-mini", "resnet-50", "efficientnet-b7" };

    /// <summary>A preset by name, for a data set's class count and an input size.</summary>
    public static DetectorConfig Preset(string name, int numClasses, int inputSize)
    {
        var config = name switch
        {
            "resnet-mini" => Miniature(numClasses),
            "efficientnet-mini" => MiniatureEfficientNet(numClasses),
            "resnet-50" => ResNet50Paper(numClasses),
            "efficientnet-b7" => EfficientNetB7Paper(numClasses),
            _ => throw new ArgumentException($"unknown detector preset '{name}' ({string.Join(" | ", PresetNames)})", nameof(name)),
        };
        return config with { InputSize = inputSize };
    }

    static DetectorConfig PaperScale(int numClasses, BackboneConfig backbone, int size) => new()
    {
        NumClasses = numClasses,
        InputSize = size,
        Backbone = backbone,
        Fpn = new FpnConfig { Channels = 256, MinLevel = 3, MaxLevel = 7, ExtraFrom = FpnExtraSource.C5 },
        Head = new HeadConfig { Convs = 4 },
        Anchors = new AnchorConfig { SizeFactor = 4, ScalesPerOctave = 3 },
        // The paper's TPU release: γ 1.5, Huber δ 0.1, box weight 50, box loss per coordinate.
        Loss = new LossConfig { FocalAlpha = 0.25, FocalGamma = 1.5, BoxLoss = BoxLossKind.Huber, BoxLossParameter = 0.1, BoxLossWeight = 50, BoxLossPerCoordinate = true },
    };

    public void Validate()
    {
        if (NumClasses < 1) throw new ArgumentException($"DetectorConfig.NumClasses must be ≥ 1, got {NumClasses}");
        if (InputSize < 32) throw new ArgumentException($"DetectorConfig.InputSize must be ≥ 32, got {InputSize}");
        if (BoxCoderWeights.Length != 4) throw new ArgumentException($"DetectorConfig.BoxCoderWeights needs 4 values, got {BoxCoderWeights.Length}");
        Fpn.Validate(); Head.Validate(); Anchors.Validate(); Loss.Validate(); PostProcess.Validate();
        _ = new Matcher(Matcher.PositiveThreshold, Matcher.NegativeThreshold, Matcher.AllowLowQualityMatches);
    }
}
