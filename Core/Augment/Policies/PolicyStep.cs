namespace Repro.Core.Augment.Policies;

/// <summary>One (op, probability) entry of a sub-policy; the probability is drawn once per application.</summary>
public sealed record PolicyStep(IAugmentOp Op, double Probability);
