namespace Repro.Core.Regimes.SelfTraining;

/// <summary>
/// The self-training loss normalization (Zoph et al. 2020, Appendix B):
/// L̂ = 1/(1+α) · (L_h + α · (L̄_h / L̄_p) · L_p), where L̄_h and L̄_p are running means of the human and pseudo losses,
/// so the pseudo term keeps the human loss's scale whatever the pseudo labels' difficulty, and the total keeps the
/// scale of one loss whatever α. Without normalization the ablation the paper compares with is L_h + α · L_p (α kept).
/// </summary>
/// <remarks>
/// Running mean: an exponential moving average with time constant τ steps (decay d = 1 − 1/τ; the paper's 0.9997 is
/// τ ≈ 3333), started at the first step's value (no bias toward zero): L̄_1 = L_1, L̄_t = d · L̄_{t−1} + (1 − d) · L_t.
/// A time constant, not a decay, because the miniature's schedules are a hundred times shorter than the paper's: the
/// profile scales τ to the schedule. The weights of step t use the means updated with step t's (detached) losses.
/// When L̄_p is not positive the ratio is taken as 1. The state is two doubles (<see cref="State"/>); students keep it
/// in <see cref="NormalizedLossMix"/>'s buffers, which their checkpoints hold.
/// </remarks>
public sealed class LossNormalizer
{
    /// <summary>Running means after the last update; null before the first.</summary>
    public sealed record State(double MeanHuman, double MeanPseudo);

    /// <summary>The factors of the human and pseudo losses in one step's total: L = Human · L_h + Pseudo · L_p.</summary>
    public readonly record struct Weights(double Human, double Pseudo);

    public LossNormalizer(double timeConstant, double alpha = 1.0, bool enabled = true)
    {
        CheckTimeConstant(timeConstant, nameof(timeConstant));
        if (!(alpha >= 0 && double.IsFinite(alpha))) throw new ArgumentException($"alpha must be a finite number >= 0, got {alpha}", nameof(alpha));
        TimeConstant = timeConstant; Alpha = alpha; Enabled = enabled;
    }

    /// <summary>τ in steps (≥ 1; 1 = no memory, the ratio of this step's losses).</summary>
    public double TimeConstant { get; }
    /// <summary>The per-step decay d = 1 − 1/τ.</summary>
    public double Decay => 1 - 1 / TimeConstant;
    public double Alpha { get; }
    /// <summary>False = the ablation L_h + α·L_p; the means are still tracked for the logs.</summary>
    public bool Enabled { get; }
    public State? Current { get; private set; }

    /// <summary>The time constant of an EMA with per-step <paramref name="decay"/> (0.9997 → 3333.3).</summary>
    public static double TimeConstantOfDecay(double decay) =>
        decay is >= 0 and < 1 ? 1 / (1 - decay) : throw new ArgumentException($"decay must be in [0, 1), got {decay}", nameof(decay));

    /// <summary>Throws <see cref="ArgumentException"/> naming <paramref name="name"/> unless τ is a finite number ≥ 1.</summary>
    public static void CheckTimeConstant(double timeConstant, string name)
    {
        if (!(timeConstant >= 1 && double.IsFinite(timeConstant)))
            throw new ArgumentException($"{name} (the running means' time constant, in steps) must be a finite number >= 1, got {timeConstant}", name);
    }

    /// <summary>Folds in one step's losses and returns that step's weights.</summary>
    public Weights Update(double humanLoss, double pseudoLoss)
    {
        if (!double.IsFinite(humanLoss) || !double.IsFinite(pseudoLoss))
            throw new ArgumentException($"losses must be finite, got human {humanLoss}, pseudo {pseudoLoss}");
        var d = Decay;
        Current = Current is not { } s
            ? new State(humanLoss, pseudoLoss)
            : new State(d * s.MeanHuman + (1 - d) * humanLoss, d * s.MeanPseudo + (1 - d) * pseudoLoss);
        return CurrentWeights;
    }

    /// <summary>The weights for the current state: (1/(1+α), α·(L̄_h/L̄_p)/(1+α)) when enabled (the ratio is 1 before
    /// any update or when L̄_p ≤ 0); (1, α) for the ablation.</summary>
    public Weights CurrentWeights
    {
        get
        {
            if (!Enabled || InjectedRegression.Is(InjectedRegression.LossNormalizationOff)) return new Weights(1, Alpha);
            var ratio = Current is { } s && s.MeanPseudo > 0 ? s.MeanHuman / s.MeanPseudo : 1;
            return new Weights(1 / (1 + Alpha), Alpha * ratio / (1 + Alpha));
        }
    }

    /// <summary>Sets the state (null = before the first update), e.g. from a checkpoint.</summary>
    public void Restore(State? state) => Current = state;
}
