using Repro.Core.Data;
using Repro.Core.Data.Images;

namespace Repro.Core.Augment.Geometry;

/// <summary>
/// A geometric op given by an affine map: the image is resampled by nearest neighbour (as the reference does),
/// the mask follows with out-of-image pixels set to ignore, and boxes become the bounds of their mapped corners,
/// clipped and dropped below <see cref="MinBoxSize"/>. Inside a region it warps the region's pixels only.
/// </summary>
public abstract class AffineOp : IAugmentOp, IRegionOp
{
    protected AffineOp(byte imageFill, byte maskFill, float minBoxSize, double referenceSize)
    {
        ImageFill = imageFill; MaskFill = maskFill; MinBoxSize = minBoxSize; ReferenceSize = referenceSize;
    }

    public abstract string Name { get; }
    public byte ImageFill { get; }
    public byte MaskFill { get; }
    public float MinBoxSize { get; }
    public double ReferenceSize { get; }

    /// <summary>
    /// The forward map for a width × height image (or region), in its local pixel coordinates; <paramref name="sign"/>
    /// (±1) is the direction of the magnitude, drawn at random by the reference.
    /// </summary>
    public abstract Affine2D Forward(int width, int height, double pixelScale, double sign);

    /// <summary>Draws the direction and returns the forward map.</summary>
    public Affine2D SampleForward(int width, int height, double pixelScale, AugmentRng rng) =>
        Forward(width, height, pixelScale, rng.Sign());

    public LabelledImage Apply(LabelledImage sample, AugmentRng rng)
    {
        var img = sample.Image;
        var forward = SampleForward(img.Width, img.Height, img.PixelScale(ReferenceSize), rng);
        return ApplyMap(sample, forward);
    }

    /// <summary>Applies a given forward map (no randomness): image, mask and boxes.</summary>
    public LabelledImage ApplyMap(LabelledImage sample, Affine2D forward)
    {
        var img = sample.Image;
        var inverse = forward.Inverse();
        var whole = new PixelRect(0, 0, img.Width, img.Height);
        var outImg = new RgbImage(img.Width, img.Height);
        AffineWarp.Warp(img.Pixels, img.Width, whole, outImg.Pixels, img.Width, whole, 3, inverse,
                        stackalloc byte[] { ImageFill, ImageFill, ImageFill }, bilinear: false);
        byte[]? outMask = null;
        if (sample.Mask != null)
        {
            outMask = new byte[sample.Mask.Length];
            AffineWarp.Warp(sample.Mask, img.Width, whole, outMask, img.Width, whole, 1, inverse,
                            stackalloc byte[] { MaskFill }, bilinear: false);
        }
        var (boxes, labels) = BoxTransform.Apply(sample.Boxes, sample.Labels, forward, img.Width, img.Height, MinBoxSize);
        return sample.With(outImg, boxes, labels, outMask);
    }

    public void ApplyToRegion(RgbImage image, byte[]? mask, PixelRect region, double pixelScale, AugmentRng rng) =>
        ApplyToRegion(image, mask, region, pixelScale, rng.Sign());

    /// <summary>Warps one region in place with a given direction (box-only ops share one direction per image).</summary>
    public void ApplyToRegion(RgbImage image, byte[]? mask, PixelRect region, double pixelScale, double sign)
    {
        if (region.IsEmpty) return;
        var inverse = Forward(region.Width, region.Height, pixelScale, sign).Inverse();
        var local = new PixelRect(0, 0, region.Width, region.Height);
        var scratch = CopyRegion(image.Pixels, image.Width, region, 3);
        AffineWarp.Warp(scratch, region.Width, local, image.Pixels, image.Width, region, 3, inverse,
                        stackalloc byte[] { ImageFill, ImageFill, ImageFill }, bilinear: false);
        if (mask != null)
        {
            var maskScratch = CopyRegion(mask, image.Width, region, 1);
            AffineWarp.Warp(maskScratch, region.Width, local, mask, image.Width, region, 1, inverse,
                            stackalloc byte[] { MaskFill }, bilinear: false);
        }
    }

    static byte[] CopyRegion(byte[] src, int width, PixelRect r, int ch)
    {
        var dst = new byte[r.Width * r.Height * ch];
        for (int y = 0; y < r.Height; y++)
            Array.Copy(src, ((r.Y + y) * width + r.X) * ch, dst, y * r.Width * ch, r.Width * ch);
        return dst;
    }
}
