using Repro.Core.Augment.Geometry;

namespace Repro.Core.Augment.Color;

/// <summary>
/// Cutout: a square of half-size <c>PixelsAtReference × pixelScale</c> centred at a uniformly drawn pixel is filled
/// with <see cref="Fill"/> (clipped at the image/region border). Boxes and mask are kept: the object is occluded,
/// not removed.
/// </summary>
public sealed class Cutout : ColorOp
{
    public Cutout(double pixelsAtReference, byte fill = 128, string? name = null)
    {
        if (!(pixelsAtReference >= 0)) throw new ArgumentOutOfRangeException(nameof(pixelsAtReference), $"cutout size {pixelsAtReference} must be >= 0");
        PixelsAtReference = pixelsAtReference; Fill = fill; Name = name ?? "Cutout";
    }

    public double PixelsAtReference { get; }
    public byte Fill { get; }
    public override string Name { get; }

    protected override void Transform(byte[] p, int width, PixelRect r, double pixelScale, AugmentRng rng)
    {
        int pad = (int)(PixelsAtReference * pixelScale);
        int cy = r.Y + rng.NextInt(r.Height), cx = r.X + rng.NextInt(r.Width);
        int y0 = Math.Max(r.Y, cy - pad), y1 = Math.Min(r.Bottom, cy + pad);
        int x0 = Math.Max(r.X, cx - pad), x1 = Math.Min(r.Right, cx + pad);
        for (int y = y0; y < y1; y++)
            p.AsSpan((y * width + x0) * 3, Math.Max(0, x1 - x0) * 3).Fill(Fill);
    }
}
