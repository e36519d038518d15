using static TorchSharp.torch;

namespace Repro.Core.Models.Detection;

/// <summary>
/// Sigmoid focal loss (Lin et al. 2017), element-wise:
/// FL = −α_t (1 − p_t)^γ log p_t, with p = σ(x), p_t = p for target 1 and 1 − p for target 0, α_t = α or 1 − α.
/// Written with log σ(x) and log σ(−x) = log(1 − σ(x)) so large |x| stay finite; targets may be soft (in [0, 1]).
/// </summary>
public static class FocalLoss
{
    /// <summary>Unreduced loss, same shape as <paramref name="logits"/>.</summary>
    public static Tensor Elementwise(Tensor logits, Tensor targets, double alpha = 0.25, double gamma = 2.0)
    {
        if (alpha is < 0 or > 1) throw new ArgumentException($"focal alpha must be in [0, 1], got {alpha}", nameof(alpha));
        if (gamma < 0) throw new ArgumentException($"focal gamma must be ≥ 0, got {gamma}", nameof(gamma));
        using var scope = NewDisposeScope();
        var logP = nn.functional.logsigmoid(logits);
        var log1mP = nn.functional.logsigmoid(-logits);
        var p = logits.sigmoid();
        var ce = -(targets * logP + (1 - targets) * log1mP);
        var pT = p * targets + (1 - p) * (1 - targets);
        var alphaT = alpha * targets + (1 - alpha) * (1 - targets);
        var loss = gamma == 0 ? alphaT * ce : alphaT * (1 - pT).pow(gamma) * ce;
        return loss.MoveToOuterDisposeScope();
    }
}
