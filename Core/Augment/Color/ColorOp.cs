using Repro.Core.Augment.Geometry;
using Repro.Core.Data;
using Repro.Core.Data.Images;

namespace Repro.Core.Augment.Color;

/// <summary>
/// An op that changes pixel values only: boxes, labels and mask pass through untouched. Works on a whole image or in
/// place on a region (statistics such as histograms are then taken over the region).
/// </summary>
public abstract class ColorOp : IAugmentOp, IRegionOp
{
    public abstract string Name { get; }

    /// <summary>Changes the pixels of <paramref name="region"/> in place (row stride <paramref name="width"/> pixels).</summary>
    protected abstract void Transform(byte[] pixels, int width, PixelRect region, double pixelScale, AugmentRng rng);

    /// <summary>Reference size for ops with pixel magnitudes (Cutout).</summary>
    public double ReferenceSize { get; init; } = 640;

    public LabelledImage Apply(LabelledImage sample, AugmentRng rng)
    {
        var img = sample.Image.Clone();
        Transform(img.Pixels, img.Width, new PixelRect(0, 0, img.Width, img.Height), img.PixelScale(ReferenceSize), rng);
        return sample.With(img);
    }

    public void ApplyToRegion(RgbImage image, byte[]? mask, PixelRect region, double pixelScale, AugmentRng rng)
    {
        if (!region.IsEmpty) Transform(image.Pixels, image.Width, region, pixelScale, rng);
    }

    /// <summary>Maps every channel value of the region through a per-channel lookup table (768 entries, RGB).</summary>
    protected static void ApplyLut(byte[] pixels, int width, PixelRect r, ReadOnlySpan<byte> lut)
    {
        for (int y = r.Y; y < r.Bottom; y++)
        {
            int o = (y * width + r.X) * 3, end = o + r.Width * 3;
            for (; o < end; o += 3)
            {
                pixels[o] = lut[pixels[o]];
                pixels[o + 1] = lut[256 + pixels[o + 1]];
                pixels[o + 2] = lut[512 + pixels[o + 2]];
            }
        }
    }

    /// <summary>One table for all three channels.</summary>
    protected static void ApplyLut(byte[] pixels, int width, PixelRect r, Func<int, int> f)
    {
        Span<byte> lut = stackalloc byte[768];
        for (int v = 0; v < 256; v++) lut[v] = lut[256 + v] = lut[512 + v] = (byte)Math.Clamp(f(v), 0, 255);
        ApplyLut(pixels, width, r, lut);
    }

    /// <summary>PIL's blend used by the enhance ops: degenerate + f·(value − degenerate), clipped, truncated.</summary>
    protected static byte Blend(float degenerate, float value, float factor)
    {
        float v = degenerate + factor * (value - degenerate);
        return (byte)(v <= 0 ? 0 : v >= 255 ? 255 : (int)v);
    }

    /// <summary>PIL's luma (ITU-R 601-2, rounded): L = (299 R + 587 G + 114 B) / 1000.</summary>
    protected static int Luma(byte r, byte g, byte b) => (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16;
}
