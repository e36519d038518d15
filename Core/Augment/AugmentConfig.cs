using System.Text.Json.Serialization;

namespace Repro.Core.Augment;

/// <summary>Which learned/random op policy a level uses on top of flips and scale jitter.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AugmentPolicy>))]
public enum AugmentPolicy
{
    None,
    /// <summary>The published AutoAugment detection policy v0 (Zoph et al. 2019).</summary>
    AutoAugmentV0,
    /// <summary>RandAugment (Cubuk et al. 2020): N ops drawn uniformly from a box-aware op list, all at magnitude M.</summary>
    RandAugment,
}

/// <summary>
/// Every parameter of a detection augmentation pipeline (policy → horizontal flip → scale jitter + crop/pad), with
/// named presets for the paper's Augment-S1…S4. Serializable with System.Text.Json; build with
/// <see cref="AugmentPipeline.FromConfig"/>.
/// </summary>
public sealed record AugmentConfig
{
    /// <summary>The paper's level the preset was made for; informative only, the fields below define the pipeline.</summary>
    public AugmentLevel Level { get; init; } = AugmentLevel.S1;
    /// <summary>Side of the square output image, px.</summary>
    public int OutputSize { get; init; } = 64;
    /// <summary>Scale jitter range: the long side is resized to s × OutputSize, s ~ U(ScaleMin, ScaleMax).</summary>
    public double ScaleMin { get; init; } = 0.8;
    public double ScaleMax { get; init; } = 1.2;
    public double FlipProbability { get; init; } = 0.5;
    public AugmentPolicy Policy { get; init; } = AugmentPolicy.None;
    /// <summary>RandAugment N: ops applied in sequence.</summary>
    public int RandAugmentLayers { get; init; } = 2;
    /// <summary>RandAugment M: the shared level (same scale as AutoAugment levels, 10 = the reference maximum).</summary>
    public double RandAugmentMagnitude { get; init; } = 10;
    /// <summary>Grey value for pixels uncovered by geometric ops, padding and cutout (the reference's 128).</summary>
    public byte ImageFill { get; init; } = 128;
    /// <summary>Boxes narrower or shorter than this (px, after clipping to the image) are dropped with their labels.</summary>
    public float MinBoxSize { get; init; } = 1;
    /// <summary>Level → argument constants of the policy ops.</summary>
    public AugmentMagnitudes Magnitudes { get; init; } = new();

    /// <summary>Standard jitter range ≈ (0.8, 1.2) (also the official release's pairing with AutoAugment v0).</summary>
    public const double StandardScaleMin = 0.8, StandardScaleMax = 1.2;
    /// <summary>Large-scale jitter as in this paper ≈ (0.5, 2.0); later LSJ work uses (0.1, 2.0).</summary>
    public const double LargeScaleMin = 0.5, LargeScaleMax = 2.0;

    /// <summary>Augment-S1: horizontal flips + standard scale jitter with crop.</summary>
    public static AugmentConfig S1(int outputSize = 64) => new() { Level = AugmentLevel.S1, OutputSize = outputSize };

    /// <summary>Augment-S2: AutoAugment detection policy v0 + flips + standard-jitter crops.</summary>
    public static AugmentConfig S2(int outputSize = 64) =>
        new() { Level = AugmentLevel.S2, OutputSize = outputSize, Policy = AugmentPolicy.AutoAugmentV0 };

    /// <summary>Augment-S3: large-scale jitter + AutoAugment v0 + flips + crops.</summary>
    public static AugmentConfig S3(int outputSize = 64, double scaleMin = LargeScaleMin, double scaleMax = LargeScaleMax) =>
        new() { Level = AugmentLevel.S3, OutputSize = outputSize, ScaleMin = scaleMin, ScaleMax = scaleMax, Policy = AugmentPolicy.AutoAugmentV0 };

    /// <summary>Augment-S4: large-scale jitter + RandAugment + flips + crops.</summary>
    public static AugmentConfig S4(int outputSize = 64, double scaleMin = LargeScaleMin, double scaleMax = LargeScaleMax,
                                   int layers = 2, double magnitude = 10) =>
        new()
        {
            Level = AugmentLevel.S4, OutputSize = outputSize, ScaleMin = scaleMin, ScaleMax = scaleMax, Policy = AugmentPolicy.RandAugment,
            RandAugmentLayers = layers, RandAugmentMagnitude = magnitude,
        };

    /// <summary>The preset for a level.</summary>
    public static AugmentConfig ForLevel(AugmentLevel level, int outputSize = 64) => level switch
    {
        AugmentLevel.S1 => S1(outputSize),
        AugmentLevel.S2 => S2(outputSize),
        AugmentLevel.S3 => S3(outputSize),
        AugmentLevel.S4 => S4(outputSize),
        _ => throw new ArgumentException($"unknown augmentation level {(int)level} ({AugmentLevels.Accepted})", nameof(level)),
    };

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid field.</summary>
    public void Validate()
    {
        const string p = "AugmentConfig.";
        if (OutputSize <= 0) throw new ArgumentException($"{p}{nameof(OutputSize)} must be positive, got {OutputSize}", nameof(OutputSize));
        if (!(ScaleMin > 0) || double.IsInfinity(ScaleMin)) throw new ArgumentException($"{p}{nameof(ScaleMin)} must be positive, got {ScaleMin}", nameof(ScaleMin));
        if (!(ScaleMax >= ScaleMin) || double.IsInfinity(ScaleMax))
            throw new ArgumentException($"{p}{nameof(ScaleMax)} ({ScaleMax}) must be >= {nameof(ScaleMin)} ({ScaleMin})", nameof(ScaleMax));
        if (!(FlipProbability >= 0 && FlipProbability <= 1))
            throw new ArgumentException($"{p}{nameof(FlipProbability)} must be in [0, 1], got {FlipProbability}", nameof(FlipProbability));
        if (!Enum.IsDefined(Level)) throw new ArgumentException($"{p}{nameof(Level)} has unknown value {(int)Level}", nameof(Level));
        if (!Enum.IsDefined(Policy)) throw new ArgumentException($"{p}{nameof(Policy)} has unknown value {(int)Policy}", nameof(Policy));
        if (RandAugmentLayers < 0) throw new ArgumentException($"{p}{nameof(RandAugmentLayers)} must be >= 0, got {RandAugmentLayers}", nameof(RandAugmentLayers));
        if (!(RandAugmentMagnitude >= 0) || double.IsInfinity(RandAugmentMagnitude))
            throw new ArgumentException($"{p}{nameof(RandAugmentMagnitude)} must be >= 0, got {RandAugmentMagnitude}", nameof(RandAugmentMagnitude));
        if (!(MinBoxSize >= 0) || float.IsInfinity(MinBoxSize))
            throw new ArgumentException($"{p}{nameof(MinBoxSize)} must be >= 0, got {MinBoxSize}", nameof(MinBoxSize));
        if (Magnitudes == null) throw new ArgumentException($"{p}{nameof(Magnitudes)} must not be null", nameof(Magnitudes));
        Magnitudes.Validate(p + nameof(Magnitudes) + ".");
    }
}
