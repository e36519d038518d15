using Repro.Core.Augment.Geometry;

namespace Repro.Core.Augment.Color;

/// <summary>Invert: v → 255 − v.</summary>
public sealed class Invert : ColorOp
{
    public override string Name => "Invert";
    protected override void Transform(byte[] p, int w, PixelRect r, double s, AugmentRng rng) => ApplyLut(p, w, r, v => 255 - v);
}

/// <summary>Posterize: keep the top <see cref="Bits"/> bits of each channel (0 bits → black).</summary>
public sealed class Posterize : ColorOp
{
    public Posterize(int bits)
    {
        if (bits < 0 || bits > 8) throw new ArgumentOutOfRangeException(nameof(bits), $"posterize bits {bits} must be in 0..8");
        Bits = bits;
    }
    public int Bits { get; }
    public override string Name => "Posterize";
    protected override void Transform(byte[] p, int w, PixelRect r, double s, AugmentRng rng)
    {
        int shift = 8 - Bits;
        ApplyLut(p, w, r, v => shift >= 8 ? 0 : (v >> shift) << shift);
    }
}

/// <summary>Solarize: values at or above <see cref="Threshold"/> are inverted.</summary>
public sealed class Solarize : ColorOp
{
    public Solarize(int threshold) => Threshold = threshold;
    public int Threshold { get; }
    public override string Name => "Solarize";
    protected override void Transform(byte[] p, int w, PixelRect r, double s, AugmentRng rng) =>
        ApplyLut(p, w, r, v => v < Threshold ? v : 255 - v);
}

/// <summary>SolarizeAdd: values below <see cref="Threshold"/> (128) get <see cref="Addition"/> added, clipped to 0..255.</summary>
public sealed class SolarizeAdd : ColorOp
{
    public SolarizeAdd(int addition, int threshold = 128) { Addition = addition; Threshold = threshold; }
    public int Addition { get; }
    public int Threshold { get; }
    public override string Name => "SolarizeAdd";
    protected override void Transform(byte[] p, int w, PixelRect r, double s, AugmentRng rng) =>
        ApplyLut(p, w, r, v => v < Threshold ? v + Addition : v);
}
