namespace Repro.Core.Data.Miniature;

/// <summary>
/// How an object's pixels are coloured: solid <see cref="A"/>; stripes alternating <see cref="A"/> and
/// <see cref="B"/> with a period and angle; or <see cref="A"/> with per-pixel noise of ± <see cref="NoiseAmplitude"/>
/// from a hash of (<see cref="NoiseSeed"/>, x, y), so a pixel's colour never depends on drawing order.
/// </summary>
public sealed record ObjectTexture(TextureKind Kind, Rgb A, Rgb B, double StripePeriod, double StripeAngle,
                                   int NoiseAmplitude, ulong NoiseSeed)
{
    public Rgb ColourAt(int x, int y)
    {
        switch (Kind)
        {
            case TextureKind.Solid:
                return A;
            case TextureKind.Stripes:
                double t = (x + 0.5) * Math.Cos(StripeAngle) + (y + 0.5) * Math.Sin(StripeAngle);
                return (t / StripePeriod - Math.Floor(t / StripePeriod)) < 0.5 ? A : B;
            default:
                ulong h = ItemRandom.Mix(NoiseSeed ^ ((ulong)(uint)x << 32 | (uint)y));
                int n = NoiseAmplitude * 2 + 1;
                return Rgb.Clamped(A.R + (int)(h % (ulong)n) - NoiseAmplitude,
                                   A.G + (int)((h >> 16) % (ulong)n) - NoiseAmplitude,
                                   A.B + (int)((h >> 32) % (ulong)n) - NoiseAmplitude);
        }
    }

    /// <summary>A lower bound of the contrast (<see cref="Rgb.Distance"/>) between any pixel of this texture and
    /// <paramref name="colour"/>.</summary>
    public int MinimumDistanceTo(Rgb colour) => Kind switch
    {
        TextureKind.Solid => A.Distance(colour),
        TextureKind.Stripes => Math.Min(A.Distance(colour), B.Distance(colour)),
        _ => A.Distance(colour) - 3 * NoiseAmplitude,
    };
}
