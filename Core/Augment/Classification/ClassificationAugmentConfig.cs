using System.Text.Json.Serialization;

namespace Repro.Core.Augment.Classification;

/// <summary>Policy for image-level (classification) pre-training augmentation.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ClassificationPolicy>))]
public enum ClassificationPolicy
{
    None,
    /// <summary>The AutoAugment ImageNet policy (Cubuk et al. 2019), as used by EfficientNet.</summary>
    AutoAugmentImageNet,
    RandAugment,
}

/// <summary>
/// Classification augmentation: random-resized crop → horizontal flip → optional AutoAugment / RandAugment (the ops
/// without boxes). Serializable; build with <see cref="ClassificationAugmentPipeline.FromConfig"/>.
/// </summary>
public sealed record ClassificationAugmentConfig
{
    public int OutputSize { get; init; } = 32;
    public double AreaMin { get; init; } = 0.08;
    public double AreaMax { get; init; } = 1.0;
    public double RatioMin { get; init; } = 3.0 / 4;
    public double RatioMax { get; init; } = 4.0 / 3;
    public double FlipProbability { get; init; } = 0.5;
    public ClassificationPolicy Policy { get; init; } = ClassificationPolicy.None;
    public int RandAugmentLayers { get; init; } = 2;
    public double RandAugmentMagnitude { get; init; } = 9;
    public byte ImageFill { get; init; } = 128;
    /// <summary>Level constants: the classification reference's RandAugment values (100 px translation, 40 px cutout at 224 px).</summary>
    public AugmentMagnitudes Magnitudes { get; init; } = new() { ReferenceSize = 224, TranslatePixels = 100, CutoutPixels = 40 };

    public void Validate()
    {
        const string p = "ClassificationAugmentConfig.";
        if (OutputSize <= 0) throw new ArgumentException($"{p}{nameof(OutputSize)} must be positive, got {OutputSize}", nameof(OutputSize));
        if (!(AreaMin > 0 && AreaMax >= AreaMin && AreaMax <= 1))
            throw new ArgumentException($"{p}{nameof(AreaMin)}/{nameof(AreaMax)} ({AreaMin}, {AreaMax}) must satisfy 0 < min <= max <= 1", nameof(AreaMin));
        if (!(RatioMin > 0 && RatioMax >= RatioMin))
            throw new ArgumentException($"{p}{nameof(RatioMin)}/{nameof(RatioMax)} ({RatioMin}, {RatioMax}) must satisfy 0 < min <= max", nameof(RatioMin));
        if (!(FlipProbability >= 0 && FlipProbability <= 1))
            throw new ArgumentException($"{p}{nameof(FlipProbability)} must be in [0, 1], got {FlipProbability}", nameof(FlipProbability));
        if (!Enum.IsDefined(Policy)) throw new ArgumentException($"{p}{nameof(Policy)} has unknown value {(int)Policy}", nameof(Policy));
        if (RandAugmentLayers < 0) throw new ArgumentException($"{p}{nameof(RandAugmentLayers)} must be >= 0", nameof(RandAugmentLayers));
        if (!(RandAugmentMagnitude >= 0)) throw new ArgumentException($"{p}{nameof(RandAugmentMagnitude)} must be >= 0", nameof(RandAugmentMagnitude));
        if (Magnitudes == null) throw new ArgumentException($"{p}{nameof(Magnitudes)} must not be null", nameof(Magnitudes));
        Magnitudes.Validate(p + nameof(Magnitudes) + ".");
    }
}
