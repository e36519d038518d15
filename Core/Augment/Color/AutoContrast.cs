using Repro.Core.Augment.Geometry;

namespace Repro.Core.Augment.Color;

/// <summary>AutoContrast: per channel, stretch [min, max] linearly to [0, 255] (a flat channel stays unchanged).</summary>
public sealed class AutoContrast : ColorOp
{
    public override string Name => "AutoContrast";

    protected override void Transform(byte[] p, int width, PixelRect r, double s, AugmentRng rng)
    {
        Span<int> lo = stackalloc int[] { 255, 255, 255 }, hi = stackalloc int[] { 0, 0, 0 };
        for (int y = r.Y; y < r.Bottom; y++)
            for (int o = (y * width + r.X) * 3, end = o + r.Width * 3; o < end; o += 3)
                for (int c = 0; c < 3; c++)
                {
                    int v = p[o + c];
                    if (v < lo[c]) lo[c] = v;
                    if (v > hi[c]) hi[c] = v;
                }
        Span<byte> lut = stackalloc byte[768];
        for (int c = 0; c < 3; c++)
        {
            int range = hi[c] - lo[c];
            // Integer arithmetic, so lo → 0 and hi → 255 exactly.
            for (int v = 0; v < 256; v++)
                lut[c * 256 + v] = range > 0 ? (byte)Math.Clamp((v - lo[c]) * 255 / range, 0, 255) : (byte)v;
        }
        ApplyLut(p, width, r, lut);
    }
}
