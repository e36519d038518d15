using Repro.Core.Augment.Geometry;
using Repro.Core.Data.Images;

namespace Repro.Core.Regimes.Pretraining;

/// <summary>Image helpers of the classification regimes.</summary>
public static class ClassificationImages
{
    /// <summary>
    /// The whole image resized (bilinearly, aspect not kept) to <paramref name="size"/> × <paramref name="size"/>: the
    /// un-augmented view used for evaluation, feature extraction and pseudo-labelling. An image of that size is returned
    /// as is.
    /// </summary>
    public static RgbImage Resize(RgbImage image, int size)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (size <= 0) throw new ArgumentOutOfRangeException(nameof(size), size, "size must be positive");
        if (image.Width == size && image.Height == size) return image;
        var output = new RgbImage(size, size);
        var dstToSrc = new Affine2D((double)image.Width / size, 0, 0, 0, (double)image.Height / size, 0);
        AffineWarp.Warp(image.Pixels, image.Width, new PixelRect(0, 0, image.Width, image.Height), output.Pixels, size,
                        new PixelRect(0, 0, size, size), 3, dstToSrc, stackalloc byte[] { 128, 128, 128 }, bilinear: true);
        return output;
    }
}
