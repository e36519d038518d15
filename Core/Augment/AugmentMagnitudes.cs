namespace Repro.Core.Augment;

/// <summary>
/// How an op's level (0..<see cref="MaxLevel"/>, AutoAugment's integer magnitude; RandAugment's M) maps to its
/// argument, with the detection reference's constants (stated in pixels at <see cref="ReferenceSize"/> and scaled by
/// the image's long side). Defaults follow tensorflow/tpu's detection AutoAugment hyper-parameters.
/// </summary>
public sealed record AugmentMagnitudes
{
    public double MaxLevel { get; init; } = 10;
    /// <summary>Image size (long side, px) at which the pixel constants below are stated.</summary>
    public double ReferenceSize { get; init; } = 640;
    /// <summary>Whole-image translation at MaxLevel, px at the reference size.</summary>
    public double TranslatePixels { get; init; } = 250;
    /// <summary>Translation inside a box ("*_Only_BBoxes") at MaxLevel, px at the reference size.</summary>
    public double TranslateBoxPixels { get; init; } = 120;
    /// <summary>Cutout half-size at MaxLevel, px at the reference size.</summary>
    public double CutoutPixels { get; init; } = 100;
    /// <summary>Cutout half-size inside a box at MaxLevel, px at the reference size.</summary>
    public double CutoutBoxPixels { get; init; } = 50;
    public double RotateDegrees { get; init; } = 30;
    public double Shear { get; init; } = 0.3;
    public double SolarizeAddMax { get; init; } = 110;
    /// <summary>A box-only op's probability is divided by this per box (so crowded images are not all distorted).</summary>
    public double BoxOnlyProbabilityDivisor { get; init; } = 3;

    double Fraction(double level) => level / MaxLevel;
    public double RotateDegreesAt(double level) => Fraction(level) * RotateDegrees;
    public double ShearAt(double level) => Fraction(level) * Shear;
    /// <summary>Translation in px at the reference size (ops scale it to the image).</summary>
    public double TranslateAt(double level) => Fraction(level) * TranslatePixels;
    public double TranslateBoxAt(double level) => Fraction(level) * TranslateBoxPixels;
    /// <summary>Cutout half-size in px at the reference size.</summary>
    public double CutoutAt(double level) => Fraction(level) * CutoutPixels;
    public double CutoutBoxAt(double level) => Fraction(level) * CutoutBoxPixels;
    /// <summary>PIL-style enhance factor: 0.1 at level 0 to 1.9 at MaxLevel (1 = unchanged).</summary>
    public double EnhanceAt(double level) => Fraction(level) * 1.8 + 0.1;
    /// <summary>Bits kept by Posterize (the reference keeps more bits at higher levels; clamped to 0..8).</summary>
    public int PosterizeBitsAt(double level) => Math.Clamp((int)(Fraction(level) * 4), 0, 8);
    public int SolarizeThresholdAt(double level) => (int)(Fraction(level) * 256);
    public int SolarizeAddAt(double level) => (int)(Fraction(level) * SolarizeAddMax);

    public void Validate(string prefix)
    {
        void Positive(double v, string name)
        {
            if (!(v > 0) || double.IsInfinity(v)) throw new ArgumentException($"{prefix}{name} must be positive, got {v}", name);
        }
        Positive(MaxLevel, nameof(MaxLevel)); Positive(ReferenceSize, nameof(ReferenceSize));
        Positive(BoxOnlyProbabilityDivisor, nameof(BoxOnlyProbabilityDivisor));
        foreach (var (v, n) in new[] { (TranslatePixels, nameof(TranslatePixels)), (TranslateBoxPixels, nameof(TranslateBoxPixels)),
                                       (CutoutPixels, nameof(CutoutPixels)), (CutoutBoxPixels, nameof(CutoutBoxPixels)),
                                       (RotateDegrees, nameof(RotateDegrees)), (Shear, nameof(Shear)), (SolarizeAddMax, nameof(SolarizeAddMax)) })
            if (!(v >= 0) || double.IsInfinity(v)) throw new ArgumentException($"{prefix}{n} must be >= 0, got {v}", n);
    }
}
