using Repro.Core.Augment.Geometry;

namespace Repro.Core.Augment.Color;

/// <summary>
/// Equalize (PIL's ImageOps.equalize), per channel: step = (N − count of the highest occupied value) / 255 (integer);
/// value v maps to (pixels below v + step/2) / step; a channel with step 0 stays unchanged.
/// </summary>
public sealed class Equalize : ColorOp
{
    public override string Name => "Equalize";

    protected override void Transform(byte[] p, int width, PixelRect r, double s, AugmentRng rng)
    {
        Span<int> hist = stackalloc int[768];
        for (int y = r.Y; y < r.Bottom; y++)
            for (int o = (y * width + r.X) * 3, end = o + r.Width * 3; o < end; o += 3)
            {
                hist[p[o]]++; hist[256 + p[o + 1]]++; hist[512 + p[o + 2]]++;
            }
        Span<byte> lut = stackalloc byte[768];
        for (int c = 0; c < 3; c++)
        {
            var h = hist.Slice(c * 256, 256);
            int last = 255;
            while (last > 0 && h[last] == 0) last--;
            int total = 0;
            for (int v = 0; v < 256; v++) total += h[v];
            int step = (total - h[last]) / 255;
            int below = 0;
            for (int v = 0; v < 256; v++)
            {
                lut[c * 256 + v] = step == 0 ? (byte)v : (byte)Math.Min(255, (below + step / 2) / step);
                below += h[v];
            }
        }
        ApplyLut(p, width, r, lut);
    }
}
