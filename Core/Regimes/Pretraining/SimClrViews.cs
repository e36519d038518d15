using Repro.Core.Augment;
using Repro.Core.Augment.Classification;
using Repro.Core.Augment.Color;
using Repro.Core.Data;
using Repro.Core.Data.Images;
using Repro.Core.Training;

namespace Repro.Core.Regimes.Pretraining;

/// <summary>
/// SimCLR's colour part of a view (Chen et al. 2020, appendix A): colour jitter of strength s with probability 0.8,
/// grayscale with probability 0.2, Gaussian blur with probability 0.5 (σ ∈ [0.1, 2.0] px at 224 px, scaled to the image).
/// The crop and flip come from the <see cref="ClassificationAugmentConfig"/>.
/// </summary>
public sealed record SimClrViewConfig
{
    public double ColorJitterProbability { get; init; } = 0.8;
    /// <summary>Colour distortion strength s: brightness/contrast/saturation ±0.8·s, hue ±0.2·s (SimCLR: 1.0 on ImageNet, 0.5 on CIFAR).</summary>
    public double ColorJitterStrength { get; init; } = 0.5;
    public double GrayscaleProbability { get; init; } = 0.2;
    public double BlurProbability { get; init; } = 0.5;
    /// <summary>Blur σ range in pixels at 224 px (scaled to the image's long side).</summary>
    public double BlurSigmaMin { get; init; } = 0.1;
    public double BlurSigmaMax { get; init; } = 2.0;

    public void Validate()
    {
        const string p = "SimClrViewConfig.";
        foreach (var (name, v) in new[] { (nameof(ColorJitterProbability), ColorJitterProbability), (nameof(GrayscaleProbability), GrayscaleProbability), (nameof(BlurProbability), BlurProbability) })
            if (!(v >= 0 && v <= 1)) throw new ArgumentException($"{p}{name} must be in [0, 1], got {v}", name);
        if (!(ColorJitterStrength >= 0 && ColorJitterStrength <= 2.5))
            throw new ArgumentException($"{p}{nameof(ColorJitterStrength)} must be in [0, 2.5], got {ColorJitterStrength}", nameof(ColorJitterStrength));
        if (!(BlurSigmaMin > 0 && BlurSigmaMax >= BlurSigmaMin && double.IsFinite(BlurSigmaMax)))
            throw new ArgumentException($"{p}{nameof(BlurSigmaMin)}/{nameof(BlurSigmaMax)} ({BlurSigmaMin}, {BlurSigmaMax}) must satisfy 0 < min <= max", nameof(BlurSigmaMin));
    }
}

/// <summary>
/// Makes SimCLR's two correlated views of an image: each view is an independent random-resized crop + flip (+ the
/// config's policy, normally none) followed by the random colour distortions of <see cref="SimClrViewConfig"/>.
/// Deterministic in (seed, epoch, image index, view).
/// </summary>
public sealed class SimClrViews
{
    readonly ClassificationAugmentPipeline _crop;
    readonly IAugmentOp[] _color;
    readonly long _seed;

    public SimClrViews(ClassificationAugmentConfig crop, SimClrViewConfig color, long seed)
    {
        ArgumentNullException.ThrowIfNull(crop);
        ArgumentNullException.ThrowIfNull(color);
        color.Validate();
        _crop = ClassificationAugmentPipeline.FromConfig(crop);
        var ops = new List<IAugmentOp>();
        if (color.ColorJitterStrength > 0 && color.ColorJitterProbability > 0)
            ops.Add(new RandomApply(ColorJitter.SimClr(color.ColorJitterStrength), color.ColorJitterProbability));
        if (color.GrayscaleProbability > 0) ops.Add(new RandomApply(new Grayscale(), color.GrayscaleProbability));
        if (color.BlurProbability > 0)
            ops.Add(new RandomApply(new GaussianBlur(color.BlurSigmaMin, color.BlurSigmaMax) { ReferenceSize = 224 }, color.BlurProbability));
        _color = ops.ToArray();
        Config = color;
        _seed = seed;
    }

    public SimClrViewConfig Config { get; }
    public int OutputSize => _crop.Config.OutputSize;

    /// <summary>View <paramref name="view"/> (0 or 1; any index works) of image <paramref name="index"/> in <paramref name="epoch"/>.</summary>
    public RgbImage View(RgbImage image, int epoch, int index, int view)
    {
        long viewSeed = unchecked((long)Seeding.Derive(_seed, "simclr-view", view));
        var cropped = _crop.Apply(image, viewSeed, epoch, index);
        var rng = AugmentRng.ForSample(unchecked((long)Seeding.Derive(viewSeed, "simclr-colour")), epoch, index);
        var sample = new LabelledImage { ImageId = index, Image = cropped };
        foreach (var op in _color) sample = op.Apply(sample, rng);
        return sample.Image;
    }
}
