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

    public LabelledImage Apply(LabelledImage sample, AugmentRng rng)
    {
        var chosen = SubPolicies[rng.NextInt(SubPolicies.Count)];
        foreach (var step in chosen)
            if (rng.Chance(step.Probability)) sample = step.Op.Apply(sample, rng);
        return sample;
    }
}
