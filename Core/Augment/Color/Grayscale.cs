using Repro.Core.Augment.Geometry;

namespace Repro.Core.Augment.Color;

/// <summary>Grayscale conversion: every channel becomes the pixel's luma (PIL's "L" mode weights), as SimCLR's random
/// grayscale view does. Deterministic.</summary>
public sealed class Grayscale : ColorOp
{
    public override string Name => "Grayscale";

    protected override void Transform(byte[] p, int width, PixelRect r, double s, AugmentRng rng)
    {
        for (int y = r.Y; y < r.Bottom; y++)
            for (int o = (y * width + r.X) * 3, end = o + r.Width * 3; o < end; o += 3)
            {
                byte l = (byte)Luma(p[o], p[o + 1], p[o + 2]);
                p[o] = p[o + 1] = p[o + 2] = l;
            }
    }
}
