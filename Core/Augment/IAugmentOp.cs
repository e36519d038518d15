using Repro.Core.Augment.Geometry;
using Repro.Core.Data;
using Repro.Core.Data.Images;

namespace Repro.Core.Augment;

/// <summary>
/// One augmentation step. <see cref="Apply"/> returns a new sample and never writes into the input's arrays
/// (unchanged arrays may be shared between input and output, so nobody may write into a sample's arrays in place).
/// All randomness comes from <paramref name="rng"/>, the sample's own stream.
/// </summary>
public interface IAugmentOp
{
    /// <summary>The op's name as the AutoAugment reference spells it (e.g. "Rotate_BBox"), or a descriptive one.</summary>
    string Name { get; }
    DetectionSample Apply(DetectionSample sample, AugmentRng rng);
}

/// <summary>
/// An op that can also run in place on one rectangle of a working image (and its mask), treating the rectangle as an
/// image of its own: what the "*_Only_BBoxes" ops apply inside each box.
/// </summary>
public interface IRegionOp
{
    string Name { get; }
    /// <param name="pixelScale">Image size relative to the reference size (magnitudes in pixels are multiplied by it).</param>
    void ApplyToRegion(RgbImage image, byte[]? mask, PixelRect region, double pixelScale, AugmentRng rng);
}

internal static class SampleExtensions
{
    /// <summary>A new sample with the same id and the given parts (null keeps the input's).</summary>
    public static DetectionSample With(this DetectionSample s, RgbImage? image = null, BoxXyxy[]? boxes = null,
                                       int[]? labels = null, byte[]? mask = null) => new()
    {
        ImageId = s.ImageId,
        Image = image ?? s.Image,
        Boxes = boxes ?? s.Boxes,
        Labels = labels ?? s.Labels,
        Mask = mask ?? s.Mask,
    };

    /// <summary>Image long side relative to the reference size the magnitudes are stated at (640 px).</summary>
    public static double PixelScale(this RgbImage image, double referenceSize) => Math.Max(image.Width, image.Height) / referenceSize;
}
