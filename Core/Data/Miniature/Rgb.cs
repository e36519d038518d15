namespace Repro.Core.Data.Miniature;

/// <summary>An 8-bit RGB colour.</summary>
public readonly record struct Rgb(byte R, byte G, byte B)
{
    /// <summary>Sum of absolute channel differences (0…765): the contrast measure of the generator.</summary>
    public int Distance(Rgb o) => Math.Abs(R - o.R) + Math.Abs(G - o.G) + Math.Abs(B - o.B);

    public static Rgb Clamped(double r, double g, double b) => new(ClampByte(r), ClampByte(g), ClampByte(b));

    public static byte ClampByte(double v) => (byte)Math.Clamp((int)Math.Round(v), 0, 255);

    /// <summary>Colour from hue (0…1), saturation and value (0…1).</summary>
    public static Rgb FromHsv(double h, double s, double v)
    {
        double hh = (h - Math.Floor(h)) * 6;
        int i = (int)hh;
        double f = hh - i, p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f));
        var (r, g, b) = i switch { 0 => (v, t, p), 1 => (q, v, p), 2 => (p, v, t), 3 => (p, q, v), 4 => (t, p, v), _ => (v, p, q) };
        return Clamped(r * 255, g * 255, b * 255);
    }
}
