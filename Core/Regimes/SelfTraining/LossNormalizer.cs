namespace Repro.Core.Regimes.SelfTraining;

/// <summary>
/// The self-training loss normalization (Zoph et al. 2020, Appendix B):
/// L = L_h + α · (L̄_h / L̄_p) · L_p, where L̄_h and L̄_p are running means of the human and pseudo losses, so the
/// pseudo term keeps the human loss's scale whatever the pseudo labels' difficulty. Without normalization the plain
/// sum L_h + L_p is used (the ablation; α is then ignored).
/// </summary>
/// <remarks>
/// Running mean: an exponential moving average with momentum m, started at the first step's value (no bias toward
/// zero): L̄_1 = L_1, L̄_t = m · L̄_{t−1} + (1 − m) · L_t. The weight of step t uses the means updated with step t's
/// (detached) losses. When L̄_p is not positive the ratio is taken as 1. The state is two doubles
/// (<see cref="State"/>); the self-training experiment logs them with each step's losses, so the trainer's checkpoint
/// carries them and a resumed run continues from the exact same state.
/// </remarks>
public sealed class LossNormalizer
{
    /// <summary>Running means after the last update; null before the first.</summary>
    public sealed record State(double MeanHuman, double MeanPseudo);

    public LossNormalizer(double momentum, double alpha = 1.0, bool enabled = true)
    {
        if (!(momentum >= 0 && momentum < 1)) throw new ArgumentException($"normalizer momentum must be in [0, 1), got {momentum}", nameof(momentum));
        if (!(alpha >= 0 && double.IsFinite(alpha))) throw new ArgumentException($"alpha must be a finite number >= 0, got {alpha}", nameof(alpha));
        Momentum = momentum; Alpha = alpha; Enabled = enabled;
    }

    public double Momentum { get; }
    public double Alpha { get; }
    /// <summary>False = the plain sum (weight 1); the means are still tracked for the logs.</summary>
    public bool Enabled { get; }
    public State? Current { get; private set; }

    /// <summary>Folds in one step's losses and returns the weight of the pseudo loss for that step.</summary>
    public double Update(double humanLoss, double pseudoLoss)
    {
        if (!double.IsFinite(humanLoss) || !double.IsFinite(pseudoLoss))
            throw new ArgumentException($"losses must be finite, got human {humanLoss}, pseudo {pseudoLoss}");
        Current = Current is not { } s
            ? new State(humanLoss, pseudoLoss)
            : new State(Momentum * s.MeanHuman + (1 - Momentum) * humanLoss, Momentum * s.MeanPseudo + (1 - Momentum) * pseudoLoss);
        return Weight;
    }

    /// <summary>The pseudo-loss weight for the current state: α · L̄_h / L̄_p (1 when disabled, α before any update
    /// or when L̄_p ≤ 0).</summary>
    public double Weight
    {
        get
        {
            if (!Enabled || InjectedRegression.Is(InjectedRegression.LossNormalizationOff)) return 1;
            if (Current is not { } s || !(s.MeanPseudo > 0)) return Alpha;
            return Alpha * s.MeanHuman / s.MeanPseudo;
        }
    }

    /// <summary>Sets the state (null = before the first update), e.g. from a checkpoint.</summary>
    public void Restore(State? state) => Current = state;
}
