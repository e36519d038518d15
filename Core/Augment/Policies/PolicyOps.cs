using Repro.Core.Augment.Color;
using Repro.Core.Augment.Geometry;
using Repro.Core.Data;

namespace Repro.Core.Augment.Policies;

/// <summary>
/// Builds the AutoAugment-for-detection ops by their reference names at a given level, with the level → argument
/// mapping of <see cref="AugmentMagnitudes"/>. "*_Only_BBoxes" ops carry the probability per box (divided by 3) and are
/// always invoked, as in the reference.
/// </summary>
public sealed class PolicyOps
{
    public PolicyOps(AugmentMagnitudes magnitudes, byte imageFill = 128, float minBoxSize = 1)
    {
        Magnitudes = magnitudes; ImageFill = imageFill; MinBoxSize = minBoxSize;
    }

    public AugmentMagnitudes Magnitudes { get; }
    public byte ImageFill { get; }
    public float MinBoxSize { get; }

    /// <summary>Every name <see cref="Create"/> accepts.</summary>
    public static readonly IReadOnlyList<string> Names = new[]
    {
        "AutoContrast", "Equalize", "Invert", "Posterize", "Solarize", "SolarizeAdd", "Color", "Contrast", "Brightness",
        "Sharpness", "Cutout", "Rotate_BBox", "TranslateX_BBox", "TranslateY_BBox", "ShearX_BBox", "ShearY_BBox",
        "Rotate_Only_BBoxes", "ShearX_Only_BBoxes", "ShearY_Only_BBoxes", "TranslateX_Only_BBoxes",
        "TranslateY_Only_BBoxes", "Flip_Only_BBoxes", "Solarize_Only_BBoxes", "Equalize_Only_BBoxes", "Cutout_Only_BBoxes",
        "Rotate", "TranslateX", "TranslateY", "ShearX", "ShearY",
    };

    public PolicyStep Create(string name, double probability, double level)
    {
        if (!(probability >= 0 && probability <= 1))
            throw new ArgumentOutOfRangeException(nameof(probability), $"probability {probability} of op {name} must be in [0, 1]");
        if (!(level >= 0)) throw new ArgumentOutOfRangeException(nameof(level), $"level {level} of op {name} must be >= 0");
        var m = Magnitudes;
        const byte ignore = LabelledImage.IgnoreLabel;
        double refSize = m.ReferenceSize;
        PolicyStep Box(IRegionOp inner) =>
            new(new OnlyBoxes(inner, probability / m.BoxOnlyProbabilityDivisor, refSize, name), 1.0);
        PolicyStep Whole(IAugmentOp op) => new(op, probability);
        return name switch
        {
            "AutoContrast" => Whole(new AutoContrast()),
            "Equalize" => Whole(new Equalize()),
            "Invert" => Whole(new Invert()),
            "Posterize" => Whole(new Posterize(m.PosterizeBitsAt(level))),
            "Solarize" => Whole(new Solarize(m.SolarizeThresholdAt(level))),
            "SolarizeAdd" => Whole(new SolarizeAdd(m.SolarizeAddAt(level))),
            "Color" => Whole(new ColorBalance(m.EnhanceAt(level))),
            "Contrast" => Whole(new Contrast(m.EnhanceAt(level))),
            "Brightness" => Whole(new Brightness(m.EnhanceAt(level))),
            "Sharpness" => Whole(new Sharpness(m.EnhanceAt(level))),
            "Cutout" => Whole(new Cutout(m.CutoutAt(level), ImageFill) { ReferenceSize = refSize }),
            "Rotate_BBox" => Whole(new Rotate(m.RotateDegreesAt(level), ImageFill, ignore, MinBoxSize, refSize)),
            "TranslateX_BBox" => Whole(new Translate(true, m.TranslateAt(level), ImageFill, ignore, MinBoxSize, refSize)),
            "TranslateY_BBox" => Whole(new Translate(false, m.TranslateAt(level), ImageFill, ignore, MinBoxSize, refSize)),
            "ShearX_BBox" => Whole(new Shear(true, m.ShearAt(level), ImageFill, ignore, MinBoxSize, refSize)),
            "ShearY_BBox" => Whole(new Shear(false, m.ShearAt(level), ImageFill, ignore, MinBoxSize, refSize)),
            // Image-classification names (no boxes to move): the same ops.
            "Rotate" => Whole(new Rotate(m.RotateDegreesAt(level), ImageFill, ignore, MinBoxSize, refSize, name)),
            "TranslateX" => Whole(new Translate(true, m.TranslateAt(level), ImageFill, ignore, MinBoxSize, refSize, name)),
            "TranslateY" => Whole(new Translate(false, m.TranslateAt(level), ImageFill, ignore, MinBoxSize, refSize, name)),
            "ShearX" => Whole(new Shear(true, m.ShearAt(level), ImageFill, ignore, MinBoxSize, refSize, name)),
            "ShearY" => Whole(new Shear(false, m.ShearAt(level), ImageFill, ignore, MinBoxSize, refSize, name)),
            "Rotate_Only_BBoxes" => Box(new Rotate(m.RotateDegreesAt(level), ImageFill, ignore, MinBoxSize, refSize)),
            "ShearX_Only_BBoxes" => Box(new Shear(true, m.ShearAt(level), ImageFill, ignore, MinBoxSize, refSize)),
            "ShearY_Only_BBoxes" => Box(new Shear(false, m.ShearAt(level), ImageFill, ignore, MinBoxSize, refSize)),
            "TranslateX_Only_BBoxes" => Box(new Translate(true, m.TranslateBoxAt(level), ImageFill, ignore, MinBoxSize, refSize)),
            "TranslateY_Only_BBoxes" => Box(new Translate(false, m.TranslateBoxAt(level), ImageFill, ignore, MinBoxSize, refSize)),
            "Flip_Only_BBoxes" => Box(new HorizontalFlip(ImageFill, ignore, MinBoxSize, refSize)),
            "Solarize_Only_BBoxes" => Box(new Solarize(m.SolarizeThresholdAt(level))),
            "Equalize_Only_BBoxes" => Box(new Equalize()),
            "Cutout_Only_BBoxes" => Box(new Cutout(m.CutoutBoxAt(level), ImageFill) { ReferenceSize = refSize }),
            _ => throw new ArgumentException($"unknown augmentation op '{name}' (known: {string.Join(", ", Names)})", nameof(name)),
        };
    }
}
