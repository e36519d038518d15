using TorchSharp;
using static TorchSharp.torch;

namespace Repro.Core.Regimes.SelfTraining;

/// <summary>
/// A self-training student's total loss: the human and pseudo losses weighted by <see cref="LossNormalizer"/>, whose
/// running means live in this module's float64 buffers (<c>running_human</c>, <c>running_pseudo</c>, <c>steps</c>).
/// Given to the trainer as its <see cref="Training.Trainer.LossState"/>, the means are checkpointed with the model and
/// a resumed run continues from exactly the same state.
/// </summary>
public sealed class NormalizedLossMix : nn.Module
{
    readonly LossNormalizer normalizer;
    readonly Tensor running_human, running_pseudo, steps;

    /// <param name="timeConstant">τ of the running means, in steps (<see cref="LossNormalizer.TimeConstant"/>).</param>
    /// <param name="alpha">α, the pseudo loss's weight.</param>
    /// <param name="enabled">False = the ablation L_h + α·L_p (the means are still tracked).</param>
    public NormalizedLossMix(double timeConstant, double alpha = 1.0, bool enabled = true) : base(nameof(NormalizedLossMix))
    {
        normalizer = new LossNormalizer(timeConstant, alpha, enabled);
        running_human = zeros(1, ScalarType.Float64);
        running_pseudo = zeros(1, ScalarType.Float64);
        steps = zeros(1, ScalarType.Int64);
        register_buffer(nameof(running_human), running_human);
        register_buffer(nameof(running_pseudo), running_pseudo);
        register_buffer(nameof(steps), steps);
    }

    public double TimeConstant => normalizer.TimeConstant;
    public double Alpha => normalizer.Alpha;
    public bool Enabled => normalizer.Enabled;

    /// <summary>The running means (L̄_h, L̄_p) after the last step; zeros before the first.</summary>
    public LossNormalizer.State Means => new(running_human.item<double>(), running_pseudo.item<double>());

    /// <summary>
    /// Folds this step's (detached) losses into the running means and returns w_h·L_h + w_p·L_p with this step's
    /// weights, constants for back-propagation. Non-finite losses leave the means as they were and come back summed
    /// with weights (1, 1), for the trainer to report the divergence.
    /// </summary>
    public (Tensor Loss, LossNormalizer.Weights Weights) Combine(Tensor human, Tensor pseudo)
    {
        if (human.numel() != 1 || pseudo.numel() != 1) throw new ArgumentException("human and pseudo losses must be scalars");
        double lh = human.detach().to(ScalarType.Float64).item<double>(), lp = pseudo.detach().to(ScalarType.Float64).item<double>();
        if (!double.IsFinite(lh) || !double.IsFinite(lp)) return (human + pseudo, new LossNormalizer.Weights(1, 1));
        // The buffers are the state (a checkpoint may have replaced them); the normalizer only applies the formula.
        normalizer.Restore(steps.item<long>() > 0 ? Means : null);
        var weights = normalizer.Update(lh, lp);
        using (no_grad())
        {
            running_human.fill_(normalizer.Current!.MeanHuman);
            running_pseudo.fill_(normalizer.Current!.MeanPseudo);
            steps.add_(1);
        }
        return (human * weights.Human + pseudo * weights.Pseudo, weights);
    }
}
