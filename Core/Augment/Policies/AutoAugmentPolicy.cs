using Repro.Core.Data;

namespace Repro.Core.Augment.Policies;

/// <summary>
/// An AutoAugment policy: per sample one sub-policy is drawn uniformly, and its ops run in order, each with its own
/// probability.
/// </summary>
public sealed class AutoAugmentPolicy : IAugmentOp
{
    public AutoAugmentPolicy(string name, IReadOnlyList<IReadOnlyList<PolicyStep>> subPolicies)
    {
        if (subPolicies.Count == 0) throw new ArgumentException($"policy {name} has no sub-policies", nameof(subPolicies));
        Name = name; SubPolicies = subPolicies;
    }

    public string Name { get; }
    public IReadOnlyList<IReadOnlyList<PolicyStep>> SubPolicies { get; }

    public DetectionSample Apply(DetectionSample sample, AugmentRng rng)
    {
        var chosen = SubPolicies[rng.NextInt(SubPolicies.Count)];
        foreach (var step in chosen)
            if (rng.Chance(step.Probability)) sample = step.Op.Apply(sample, rng);
        return sample;
    }
}

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
