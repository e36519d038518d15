using Repro.Core.Data;

namespace Repro.Core.Augment.Color;

/// <summary>
/// torchvision-style colour jitter: brightness, contrast and saturation factors drawn from [1−a, 1+a] and a hue shift
/// from [−h, h] turns, applied in a random order (SimCLR's colour distortion with strength s uses a = 0.8·s, h = 0.2·s).
/// </summary>
public sealed class ColorJitter : IAugmentOp
{
    public ColorJitter(double brightness, double contrast, double saturation, double hue)
    {
        foreach (var (name, v) in new[] { (nameof(brightness), brightness), (nameof(contrast), contrast), (nameof(saturation), saturation) })
            if (!(v >= 0 && double.IsFinite(v))) throw new ArgumentOutOfRangeException(name, $"colour jitter {name} {v} must be >= 0");
        if (!(hue >= 0 && hue <= 0.5)) throw new ArgumentOutOfRangeException(nameof(hue), $"colour jitter hue {hue} must be in [0, 0.5]");
        Brightness = brightness; Contrast = contrast; Saturation = saturation; Hue = hue;
    }

    public double Brightness { get; }
    public double Contrast { get; }
    public double Saturation { get; }
    public double Hue { get; }
    public string Name => "ColorJitter";

    /// <summary>SimCLR's colour distortion of strength <paramref name="s"/>.</summary>
    public static ColorJitter SimClr(double s) => new(0.8 * s, 0.8 * s, 0.8 * s, Math.Min(0.2 * s, 0.5));

    public LabelledImage Apply(LabelledImage sample, AugmentRng rng)
    {
        // Draw the order first (Fisher–Yates over the four ops), then each factor as its op comes up.
        Span<int> order = stackalloc int[] { 0, 1, 2, 3 };
        for (int i = 3; i > 0; i--)
        {
            int j = rng.NextInt(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        foreach (var k in order)
        {
            IAugmentOp? op = k switch
            {
                0 when Brightness > 0 => new Brightness(Factor(Brightness, rng)),
                1 when Contrast > 0 => new Contrast(Factor(Contrast, rng)),
                2 when Saturation > 0 => new ColorBalance(Factor(Saturation, rng)),
                3 when Hue > 0 => new HueShift(rng.Uniform(-Hue, Hue)),
                _ => null,
            };
            if (op != null) sample = op.Apply(sample, rng);
        }
        return sample;
    }

    static double Factor(double amount, AugmentRng rng) => rng.Uniform(Math.Max(0, 1 - amount), 1 + amount);
}
