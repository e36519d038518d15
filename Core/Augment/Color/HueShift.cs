using Repro.Core.Augment.Geometry;

namespace Repro.Core.Augment.Color;

/// <summary>
/// Rotates every pixel's hue by <see cref="Shift"/> turns (−0.5 … 0.5) in HSV space, keeping saturation and value
/// (torchvision's adjust_hue). Grey pixels are unchanged.
/// </summary>
public sealed class HueShift : ColorOp
{
    public HueShift(double shift)
    {
        if (!(shift >= -0.5 && shift <= 0.5)) throw new ArgumentOutOfRangeException(nameof(shift), $"hue shift {shift} must be in [-0.5, 0.5] turns");
        Shift = shift;
    }

    public double Shift { get; }
    public override string Name => "Hue";

    protected override void Transform(byte[] p, int width, PixelRect r, double s, AugmentRng rng)
    {
        if (Shift == 0) return;
        for (int y = r.Y; y < r.Bottom; y++)
            for (int o = (y * width + r.X) * 3, end = o + r.Width * 3; o < end; o += 3)
            {
                int R = p[o], G = p[o + 1], B = p[o + 2];
                int max = Math.Max(R, Math.Max(G, B)), min = Math.Min(R, Math.Min(G, B));
                if (max == min) continue; // grey: no hue
                double chroma = max - min;
                double h = max == R ? (G - B) / chroma : max == G ? 2 + (B - R) / chroma : 4 + (R - G) / chroma; // sixths
                h = (h / 6 + Shift) % 1.0;
                if (h < 0) h += 1;
                // Back to RGB with the same value (max) and chroma.
                double h6 = h * 6, x = chroma * (1 - Math.Abs(h6 % 2 - 1));
                (double r1, double g1, double b1) = (int)h6 switch
                {
                    0 => (chroma, x, 0.0),
                    1 => (x, chroma, 0.0),
                    2 => (0.0, chroma, x),
                    3 => (0.0, x, chroma),
                    4 => (x, 0.0, chroma),
                    _ => (chroma, 0.0, x),
                };
                p[o] = ToByte(r1 + min); p[o + 1] = ToByte(g1 + min); p[o + 2] = ToByte(b1 + min);
            }
    }

    static byte ToByte(double v) => (byte)Math.Clamp((int)Math.Round(v), 0, 255);
}
