using Repro.Core.Augment.Geometry;
using Repro.Core.Augment.Policies;
using Repro.Core.Data;
using Repro.Core.Data.Images;

namespace Repro.Core.Augment.Classification;

/// <summary>
/// Image-level augmentation for pre-training regimes: random-resized crop → flip → policy. Deterministic in
/// (seed, epoch, image id); the input image is not modified.
/// </summary>
public sealed class ClassificationAugmentPipeline
{
    /// <summary>RandAugment's classification op list (no boxes: plain geometric ops).</summary>
    public static readonly IReadOnlyList<string> RandAugmentOpNames = new[]
    {
        "AutoContrast", "Equalize", "Invert", "Rotate", "Posterize", "Solarize", "Color", "Contrast", "Brightness",
        "Sharpness", "ShearX", "ShearY", "TranslateX", "TranslateY", "Cutout", "SolarizeAdd",
    };

    /// <summary>AutoAugment's ImageNet policy (25 sub-policies of 2 (op, probability, level) entries, as published).</summary>
    public static readonly IReadOnlyList<(string Op, double Probability, double Level)[]> ImageNetPolicyTable = new[]
    {
        new[] { ("Equalize", 0.8, 1.0), ("ShearY", 0.8, 4.0) },
        new[] { ("Color", 0.4, 9.0), ("Equalize", 0.6, 3.0) },
        new[] { ("Color", 0.4, 1.0), ("Rotate", 0.6, 8.0) },
        new[] { ("Solarize", 0.8, 3.0), ("Equalize", 0.4, 7.0) },
        new[] { ("Solarize", 0.4, 2.0), ("Solarize", 0.6, 2.0) },
        new[] { ("Color", 0.2, 0.0), ("Equalize", 0.8, 8.0) },
        new[] { ("Equalize", 0.4, 8.0), ("SolarizeAdd", 0.8, 3.0) },
        new[] { ("ShearX", 0.2, 9.0), ("Rotate", 0.6, 8.0) },
        new[] { ("Color", 0.6, 1.0), ("Equalize", 1.0, 2.0) },
        new[] { ("Invert", 0.4, 9.0), ("Rotate", 0.6, 0.0) },
        new[] { ("Equalize", 1.0, 9.0), ("ShearY", 0.6, 3.0) },
        new[] { ("Color", 0.4, 7.0), ("Equalize", 0.6, 0.0) },
        new[] { ("Posterize", 0.4, 6.0), ("AutoContrast", 0.4, 7.0) },
        new[] { ("Solarize", 0.6, 8.0), ("Color", 0.6, 9.0) },
        new[] { ("Solarize", 0.2, 4.0), ("Rotate", 0.8, 9.0) },
        new[] { ("Rotate", 1.0, 7.0), ("TranslateY", 0.8, 9.0) },
        new[] { ("ShearX", 0.0, 0.0), ("Solarize", 0.8, 4.0) },
        new[] { ("ShearY", 0.8, 0.0), ("Color", 0.6, 4.0) },
        new[] { ("Color", 1.0, 0.0), ("Rotate", 0.6, 2.0) },
        new[] { ("Equalize", 0.8, 4.0), ("Equalize", 0.0, 8.0) },
        new[] { ("Equalize", 1.0, 4.0), ("AutoContrast", 0.6, 2.0) },
        new[] { ("ShearY", 0.4, 7.0), ("SolarizeAdd", 0.6, 7.0) },
        new[] { ("Posterize", 0.8, 2.0), ("Solarize", 0.6, 10.0) },
        new[] { ("Solarize", 0.6, 8.0), ("Equalize", 0.6, 1.0) },
        new[] { ("Color", 0.8, 6.0), ("Rotate", 0.4, 5.0) },
    };

    public ClassificationAugmentPipeline(ClassificationAugmentConfig config, IReadOnlyList<IAugmentOp> ops)
    {
        Config = config; Ops = ops;
    }

    public ClassificationAugmentConfig Config { get; }
    public IReadOnlyList<IAugmentOp> Ops { get; }

    public static ClassificationAugmentPipeline FromConfig(ClassificationAugmentConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        var ops = new List<IAugmentOp>
        {
            new RandomResizedCrop(config.OutputSize, config.AreaMin, config.AreaMax, config.RatioMin, config.RatioMax),
        };
        if (config.FlipProbability > 0) ops.Add(new RandomApply(new HorizontalFlip(config.ImageFill), config.FlipProbability));
        var policyOps = new PolicyOps(config.Magnitudes, config.ImageFill);
        switch (config.Policy)
        {
            case ClassificationPolicy.AutoAugmentImageNet:
                ops.Add(AutoAugmentDetection.Build("AutoAugment-ImageNet", ImageNetPolicyTable, policyOps)); break;
            case ClassificationPolicy.RandAugment:
                ops.Add(new RandAugmentPolicy(config.RandAugmentLayers, config.RandAugmentMagnitude, policyOps, RandAugmentOpNames)); break;
        }
        return new ClassificationAugmentPipeline(config, ops);
    }

    /// <summary>The augmented OutputSize × OutputSize image for (seed, epoch, imageId).</summary>
    public RgbImage Apply(RgbImage image, long seed, long epoch, long imageId)
    {
        ArgumentNullException.ThrowIfNull(image);
        var rng = AugmentRng.ForSample(seed, epoch, imageId);
        var sample = new LabelledImage { ImageId = imageId, Image = image };
        foreach (var op in Ops) sample = op.Apply(sample, rng);
        return sample.Image;
    }
}
