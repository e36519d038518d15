namespace Repro.Core.Augment;

/// <summary>Applies an op with probability <see cref="Probability"/> (one draw per sample), else passes the sample through.</summary>
public sealed class RandomApply : IAugmentOp
{
    public RandomApply(IAugmentOp op, double probability)
    {
        if (!(probability >= 0 && probability <= 1))
            throw new ArgumentOutOfRangeException(nameof(probability), $"probability {probability} of {op.Name} must be in [0, 1]");
        Op = op; Probability = probability;
    }

    public IAugmentOp Op { get; }
    public double Probability { get; }
    public string Name => $"{Op.Name}@{Probability:0.##}";

    public Data.LabelledImage Apply(Data.LabelledImage sample, AugmentRng rng) =>
        rng.Chance(Probability) ? Op.Apply(sample, rng) : sample;
}
