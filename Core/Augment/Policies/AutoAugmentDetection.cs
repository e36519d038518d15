namespace Repro.Core.Augment.Policies;

/// <summary>The AutoAugment detection policies of Zoph et al. 2019 ("Learning Data Augmentation Strategies for Object Detection").</summary>
public static class AutoAugmentDetection
{
    /// <summary>
    /// Policy v0, the one the paper's results use: 5 sub-policies of 2 (op, probability, level) entries, as published
    /// in tensorflow/tpu's detection autoaugment_utils.
    /// </summary>
    public static readonly IReadOnlyList<(string Op, double Probability, double Level)[]> V0Table = new[]
    {
        new[] { ("TranslateX_BBox", 0.6, 4.0), ("Equalize", 0.8, 10.0) },
        new[] { ("TranslateY_Only_BBoxes", 0.2, 2.0), ("Cutout", 0.8, 8.0) },
        new[] { ("Sharpness", 0.0, 8.0), ("ShearX_BBox", 0.4, 0.0) },
        new[] { ("ShearY_BBox", 1.0, 2.0), ("TranslateY_Only_BBoxes", 0.6, 6.0) },
        new[] { ("Rotate_BBox", 0.6, 10.0), ("Color", 1.0, 6.0) },
    };

    /// <summary>Policy v0 with ops built by <paramref name="ops"/>.</summary>
    public static AutoAugmentPolicy V0(PolicyOps ops) => Build("AutoAugment-v0", V0Table, ops);

    /// <summary>A policy from a table of sub-policies (op names as in <see cref="PolicyOps.Names"/>).</summary>
    public static AutoAugmentPolicy Build(string name, IEnumerable<(string Op, double Probability, double Level)[]> table, PolicyOps ops) =>
        new(name, table.Select(sub => (IReadOnlyList<PolicyStep>)sub.Select(e => ops.Create(e.Op, e.Probability, e.Level)).ToArray()).ToArray());
}
