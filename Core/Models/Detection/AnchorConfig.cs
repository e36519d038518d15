namespace Repro.Core.Models.Detection;

/// <summary>
/// Anchors per pyramid level ℓ (stride s = 2^ℓ): sizes SizeFactor·s·2^(k/ScalesPerOctave) for k = 0..ScalesPerOctave−1,
/// each at every aspect ratio r = h/w (w = size/√r, h = size·√r). RetinaNet's paper: factor 4, 3 scales, ratios 0.5/1/2.
/// </summary>
public sealed record AnchorConfig
{
    public double SizeFactor { get; init; } = 4.0;
    public int ScalesPerOctave { get; init; } = 3;
    public double[] AspectRatios { get; init; } = { 0.5, 1.0, 2.0 };

    public int AnchorsPerLocation => ScalesPerOctave * AspectRatios.Length;

    public void Validate()
    {
        if (SizeFactor <= 0) throw new ArgumentException($"Anchors.SizeFactor must be positive, got {SizeFactor}");
        if (ScalesPerOctave < 1) throw new ArgumentException($"Anchors.ScalesPerOctave must be ≥ 1, got {ScalesPerOctave}");
        if (AspectRatios.Length == 0 || AspectRatios.Any(r => r <= 0))
            throw new ArgumentException($"Anchors.AspectRatios must be non-empty and positive, got [{string.Join(",", AspectRatios)}]");
    }
}
