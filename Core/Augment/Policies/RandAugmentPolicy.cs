using Repro.Core.Data;

namespace Repro.Core.Augment.Policies;

/// <summary>
/// RandAugment (Cubuk et al. 2020): <see cref="Layers"/> times, one op drawn uniformly from <see cref="Ops"/> is
/// applied at the shared magnitude. For detection the geometric ops are the box-moving ones (Rotate/Shear/Translate
/// "_BBox"); the op list follows the reference RandAugment list.
/// </summary>
public sealed class RandAugmentPolicy : IAugmentOp
{
    /// <summary>The reference RandAugment op list with the detection (box-moving) geometric ops.</summary>
    public static readonly IReadOnlyList<string> DetectionOpNames = new[]
    {
        "AutoContrast", "Equalize", "Invert", "Rotate_BBox", "Posterize", "Solarize", "Color", "Contrast", "Brightness",
        "Sharpness", "ShearX_BBox", "ShearY_BBox", "TranslateX_BBox", "TranslateY_BBox", "Cutout", "SolarizeAdd",
    };

    public RandAugmentPolicy(int layers, double magnitude, PolicyOps ops, IReadOnlyList<string>? opNames = null)
    {
        if (layers < 0) throw new ArgumentOutOfRangeException(nameof(layers), $"RandAugment layers {layers} must be >= 0");
        Layers = layers; Magnitude = magnitude;
        Ops = (opNames ?? DetectionOpNames).Select(n => ops.Create(n, 1.0, magnitude).Op).ToArray();
        if (Ops.Count == 0) throw new ArgumentException("RandAugment needs at least one op", nameof(opNames));
    }

    public int Layers { get; }
    public double Magnitude { get; }
    public IReadOnlyList<IAugmentOp> Ops { get; }
    public string Name => $"RandAugment(N={Layers},M={Magnitude:0.##})";

    public LabelledImage Apply(LabelledImage sample, AugmentRng rng)
    {
        for (int i = 0; i < Layers; i++) sample = Ops[rng.NextInt(Ops.Count)].Apply(sample, rng);
        return sample;
    }
}
