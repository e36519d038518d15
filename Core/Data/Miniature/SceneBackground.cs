using Repro.Core.Data.Images;

namespace Repro.Core.Data.Miniature;

/// <summary>
/// A background that does not resemble any object: a smooth linear gradient between two nearby colours, low
/// per-pixel noise and at most a few thin low-contrast lines. (The CPU probe found that clutter resembling objects —
/// checkerboards, many lines — kept AP below 6.)
/// </summary>
public sealed class SceneBackground
{
    /// <summary>The gradient's end colours; every object colour keeps its contrast against both.</summary>
    public Rgb From { get; }
    public Rgb To { get; }
    public RgbImage Image { get; }

    const int GradientSpread = 50;   // ± per channel between the two end colours
    const int LineContrast = 22;     // ± per channel of a clutter line against the gradient

    SceneBackground(Rgb from, Rgb to, RgbImage image) => (From, To, Image) = (from, to, image);

    /// <summary>Draws a background of <paramref name="size"/>² pixels from <paramref name="rng"/>.</summary>
    public static SceneBackground Render(ItemRandom rng, int size, int noise, int maxLines)
    {
        var from = new Rgb((byte)rng.Next(25, 231), (byte)rng.Next(25, 231), (byte)rng.Next(25, 231));
        var to = Rgb.Clamped(from.R + rng.Next(-GradientSpread, GradientSpread + 1),
                             from.G + rng.Next(-GradientSpread, GradientSpread + 1),
                             from.B + rng.Next(-GradientSpread, GradientSpread + 1));
        double angle = rng.Uniform(0, 2 * Math.PI), ca = Math.Cos(angle), sa = Math.Sin(angle);
        var img = new RgbImage(size, size);
        var px = img.Pixels;
        double half = size / 2.0, norm = 1.0 / (size * Math.Sqrt(2));
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
            {
                double t = Math.Clamp(((x + 0.5 - half) * ca + (y + 0.5 - half) * sa) * norm + 0.5, 0, 1);
                int o = img.Offset(x, y);
                px[o] = Rgb.ClampByte(from.R + (to.R - from.R) * t + Noise(rng, noise));
                px[o + 1] = Rgb.ClampByte(from.G + (to.G - from.G) * t + Noise(rng, noise));
                px[o + 2] = Rgb.ClampByte(from.B + (to.B - from.B) * t + Noise(rng, noise));
            }
        int lines = maxLines > 0 ? rng.Next(0, maxLines + 1) : 0;
        for (int i = 0; i < lines; i++) DrawLine(img, rng);
        return new SceneBackground(from, to, img);
    }

    static int Noise(ItemRandom rng, int amplitude) => amplitude == 0 ? 0 : rng.Next(-amplitude, amplitude + 1);

    /// <summary>A 1-px straight line across the image, shifting the pixels it crosses by a small constant.</summary>
    static void DrawLine(RgbImage img, ItemRandom rng)
    {
        int size = img.Width;
        double x = rng.Uniform(0, size), y = rng.Uniform(0, size), a = rng.Uniform(0, Math.PI);
        int delta = rng.Chance(0.5) ? LineContrast : -LineContrast;
        double dx = Math.Cos(a), dy = Math.Sin(a);
        var seen = new HashSet<int>();
        for (double t = -size * 1.5; t <= size * 1.5; t += 0.5)
        {
            int px = (int)Math.Floor(x + t * dx), py = (int)Math.Floor(y + t * dy);
            if (px < 0 || py < 0 || px >= size || py >= size || !seen.Add(py * size + px)) continue;
            int o = img.Offset(px, py);
            for (int c = 0; c < 3; c++) img.Pixels[o + c] = Rgb.ClampByte(img.Pixels[o + c] + delta);
        }
    }
}
