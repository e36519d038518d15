using TorchSharp;
using static TorchSharp.torch;

namespace Repro.Core.Regimes.Segmentation;

// TODO(lead): unify with SelfTraining/LossNormalizer on merge.
/// <summary>
/// The student's loss with the paper's loss normalization (Appendix B form as the reference states it):
/// L = L_h + α · (L̄_h / L̄_p) · L_p, where L̄_h and L̄_p are running means (EMA with <see cref="Momentum"/>,
/// started at the first step's values) of the detached human and pseudo losses; without normalization
/// L = L_h + α · L_p. The running means are buffers (<c>running_human</c>, <c>running_pseudo</c>, <c>steps</c>) so a
/// checkpoint holds them and a resumed run continues exactly.
/// </summary>
public sealed class SegmentationLossMix : nn.Module
{
    readonly Tensor running_human, running_pseudo, steps;

    public SegmentationLossMix(double alpha = 1.0, bool normalize = true, double momentum = 0.99) : base(nameof(SegmentationLossMix))
    {
        if (!(alpha >= 0) || double.IsInfinity(alpha)) throw new ArgumentException($"alpha must be a non-negative number, got {alpha}", nameof(alpha));
        if (!(momentum >= 0 && momentum < 1)) throw new ArgumentException($"momentum must be in [0, 1), got {momentum}", nameof(momentum));
        Alpha = alpha; Normalize = normalize; Momentum = momentum;
        running_human = zeros(1, ScalarType.Float64);
        running_pseudo = zeros(1, ScalarType.Float64);
        steps = zeros(1, ScalarType.Int64);
        register_buffer(nameof(running_human), running_human);
        register_buffer(nameof(running_pseudo), running_pseudo);
        register_buffer(nameof(steps), steps);
    }

    public double Alpha { get; }
    public bool Normalize { get; }
    public double Momentum { get; }

    /// <summary>Current running means (L̄_h, L̄_p); zero before the first step.</summary>
    public (double Human, double Pseudo) RunningMeans => (running_human.item<double>(), running_pseudo.item<double>());

    /// <summary>
    /// Updates the running means with this step's losses and returns {"loss", "human", "pseudo", "pseudo_weight"},
    /// where pseudo_weight is the factor applied to L_p (α·L̄_h/L̄_p, or α without normalization).
    /// </summary>
    public Dictionary<string, Tensor> Combine(Tensor human, Tensor pseudo)
    {
        if (human.numel() != 1 || pseudo.numel() != 1) throw new ArgumentException("human and pseudo losses must be scalars");
        Tensor weight;
        using (no_grad())
        {
            var h = human.detach().to(ScalarType.Float64).reshape(1);
            var p = pseudo.detach().to(ScalarType.Float64).reshape(1);
            bool first = steps.item<long>() == 0;
            if (first) { running_human.copy_(h); running_pseudo.copy_(p); }
            else
            {
                running_human.mul_(Momentum).add_(h * (1 - Momentum));
                running_pseudo.mul_(Momentum).add_(p * (1 - Momentum));
            }
            steps.add_(1);
            // A pseudo batch whose pixels were all ignored has L_p = 0; the floor keeps the ratio finite.
            weight = Normalize ? running_human / running_pseudo.clamp(min: 1e-8) * Alpha : full(1, Alpha, ScalarType.Float64);
            weight = weight.to(pseudo.dtype).reshape(new long[0]);
        }
        return new Dictionary<string, Tensor>
        {
            ["loss"] = human + weight * pseudo,
            ["human"] = human.detach(),
            ["pseudo"] = pseudo.detach(),
            ["pseudo_weight"] = weight,
        };
    }
}
