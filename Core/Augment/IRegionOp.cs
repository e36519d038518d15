using Repro.Core.Augment.Geometry;
using Repro.Core.Data.Images;

namespace Repro.Core.Augment;

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
