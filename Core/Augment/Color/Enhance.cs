using Repro.Core.Augment.Geometry;

namespace Repro.Core.Augment.Color;

/// <summary>
/// PIL ImageEnhance-style ops: blend the image with a degenerate version by <see cref="Factor"/> (1 = unchanged,
/// 0 = the degenerate image, &gt; 1 extrapolates). Reference levels map to factors 0.1 … 1.9.
/// </summary>
public abstract class EnhanceOp : ColorOp
{
    protected EnhanceOp(double factor)
    {
        if (!(factor >= 0) || double.IsInfinity(factor)) throw new ArgumentOutOfRangeException(nameof(factor), $"enhance factor {factor} must be >= 0");
        Factor = factor;
    }
    public double Factor { get; }
}

/// <summary>Color (saturation): the degenerate image is the grey (luma) version.</summary>
public sealed class ColorBalance : EnhanceOp
{
    public ColorBalance(double factor) : base(factor) { }
    public override string Name => "Color";

    protected override void Transform(byte[] p, int width, PixelRect r, double s, AugmentRng rng)
    {
        float f = (float)Factor;
        for (int y = r.Y; y < r.Bottom; y++)
            for (int o = (y * width + r.X) * 3, end = o + r.Width * 3; o < end; o += 3)
            {
                float g = Luma(p[o], p[o + 1], p[o + 2]);
                p[o] = Blend(g, p[o], f); p[o + 1] = Blend(g, p[o + 1], f); p[o + 2] = Blend(g, p[o + 2], f);
            }
    }
}

/// <summary>
/// Contrast: the degenerate image is the constant mean luma (rounded), as PIL does. (The TF reference divides the
/// pixel count by 256 instead of taking the mean, a known slip that is not reproduced.)
/// </summary>
public sealed class Contrast : EnhanceOp
{
    public Contrast(double factor) : base(factor) { }
    public override string Name => "Contrast";

    protected override void Transform(byte[] p, int width, PixelRect r, double s, AugmentRng rng)
    {
        long sum = 0;
        for (int y = r.Y; y < r.Bottom; y++)
            for (int o = (y * width + r.X) * 3, end = o + r.Width * 3; o < end; o += 3)
                sum += Luma(p[o], p[o + 1], p[o + 2]);
        float mean = (int)(sum / (double)(r.Width * r.Height) + 0.5);
        float f = (float)Factor;
        ApplyLut(p, width, r, v => Blend(mean, v, f));
    }
}

/// <summary>Brightness: the degenerate image is black.</summary>
public sealed class Brightness : EnhanceOp
{
    public Brightness(double factor) : base(factor) { }
    public override string Name => "Brightness";

    protected override void Transform(byte[] p, int width, PixelRect r, double s, AugmentRng rng)
    {
        float f = (float)Factor;
        ApplyLut(p, width, r, v => Blend(0, v, f));
    }
}

/// <summary>
/// Sharpness: the degenerate image is PIL's SMOOTH filter ([[1,1,1],[1,5,1],[1,1,1]] / 13, rounded) on interior
/// pixels and the original on the one-pixel border; factor &gt; 1 sharpens.
/// </summary>
public sealed class Sharpness : EnhanceOp
{
    public Sharpness(double factor) : base(factor) { }
    public override string Name => "Sharpness";

    protected override void Transform(byte[] p, int width, PixelRect r, double s, AugmentRng rng)
    {
        if (r.Width < 3 || r.Height < 3) return;   // no interior: the degenerate image equals the original
        float f = (float)Factor;
        int rowBytes = r.Width * 3;
        // Keep the original rows above, at and below the current one: the filter must read unmodified values.
        var prev = new byte[rowBytes]; var cur = new byte[rowBytes]; var next = new byte[rowBytes];
        Array.Copy(p, (r.Y * width + r.X) * 3, cur, 0, rowBytes);
        Array.Copy(p, ((r.Y + 1) * width + r.X) * 3, next, 0, rowBytes);
        for (int y = r.Y + 1; y < r.Bottom - 1; y++)
        {
            (prev, cur, next) = (cur, next, prev);
            Array.Copy(p, ((y + 1) * width + r.X) * 3, next, 0, rowBytes);
            int o = (y * width + r.X) * 3;
            for (int x = 1; x < r.Width - 1; x++)
                for (int c = 0; c < 3; c++)
                {
                    int i = x * 3 + c;
                    int sum = prev[i - 3] + prev[i] + prev[i + 3] + cur[i - 3] + 5 * cur[i] + cur[i + 3]
                            + next[i - 3] + next[i] + next[i + 3];
                    float smooth = (sum + 6) / 13;
                    p[o + i] = Blend(smooth, cur[i], f);
                }
        }
    }
}
