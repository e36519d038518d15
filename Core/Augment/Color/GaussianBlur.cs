using Repro.Core.Augment.Geometry;

namespace Repro.Core.Augment.Color;

/// <summary>
/// Gaussian blur with σ drawn uniformly from [<see cref="SigmaMin"/>, <see cref="SigmaMax"/>] (pixels at
/// <see cref="ColorOp.ReferenceSize"/>, scaled to the image's long side), as in SimCLR's blur view (σ ∈ [0.1, 2.0] at
/// 224 px). Separable kernel of radius ⌈3σ⌉, edges replicated.
/// </summary>
public sealed class GaussianBlur : ColorOp
{
    public GaussianBlur(double sigmaMin, double sigmaMax)
    {
        if (!(sigmaMin > 0 && sigmaMax >= sigmaMin && double.IsFinite(sigmaMax)))
            throw new ArgumentOutOfRangeException(nameof(sigmaMin), $"blur sigma range ({sigmaMin}, {sigmaMax}) must satisfy 0 < min <= max");
        SigmaMin = sigmaMin; SigmaMax = sigmaMax;
    }

    public double SigmaMin { get; }
    public double SigmaMax { get; }
    public override string Name => "GaussianBlur";

    protected override void Transform(byte[] p, int width, PixelRect r, double pixelScale, AugmentRng rng)
    {
        double sigma = rng.Uniform(SigmaMin, SigmaMax) * pixelScale;
        Blur(p, width, r, sigma);
    }

    /// <summary>Blurs the region in place with a Gaussian of standard deviation <paramref name="sigma"/> pixels.</summary>
    public static void Blur(byte[] p, int width, PixelRect r, double sigma)
    {
        int radius = (int)Math.Ceiling(3 * sigma);
        if (radius < 1 || r.IsEmpty) return;
        var k = new double[2 * radius + 1];
        double sum = 0;
        for (int i = -radius; i <= radius; i++) sum += k[i + radius] = Math.Exp(-0.5 * i * i / (sigma * sigma));
        for (int i = 0; i < k.Length; i++) k[i] /= sum;

        int w = r.Width, h = r.Height;
        var tmp = new double[w * h * 3];
        for (int y = 0; y < h; y++)          // horizontal pass into tmp
            for (int x = 0; x < w; x++)
                for (int c = 0; c < 3; c++)
                {
                    double acc = 0;
                    for (int i = -radius; i <= radius; i++)
                    {
                        int xx = Math.Clamp(x + i, 0, w - 1);
                        acc += k[i + radius] * p[((r.Y + y) * width + r.X + xx) * 3 + c];
                    }
                    tmp[(y * w + x) * 3 + c] = acc;
                }
        for (int y = 0; y < h; y++)          // vertical pass back into the image
            for (int x = 0; x < w; x++)
                for (int c = 0; c < 3; c++)
                {
                    double acc = 0;
                    for (int i = -radius; i <= radius; i++)
                        acc += k[i + radius] * tmp[(Math.Clamp(y + i, 0, h - 1) * w + x) * 3 + c];
                    p[((r.Y + y) * width + r.X + x) * 3 + c] = (byte)Math.Clamp((int)Math.Round(acc), 0, 255);
                }
    }
}
