using Repro.Core.Regimes.SelfTraining;
using TorchSharp;
using static TorchSharp.torch;

namespace Repro.Core.Regimes.Segmentation;

/// <summary>
/// The student's loss with the paper's loss normalization (Appendix B):
/// L̂ = 1/(1+α) · (L_h + α · (L̄_h / L̄_p) · L_p), where L̄_h and L̄_p are running means (EMA with time constant
/// <see cref="TimeConstant"/>, started at the first step's values) of the detached human and pseudo losses; without
/// normalization the ablation L_h + α · L_p (<see cref="LossNormalizer"/> computes the weights for both tasks). The running means are buffers (<c>running_human</c>, <c>running_pseudo</c>, <c>steps</c>) so a
/// checkpoint holds them and a resumed run continues exactly.
/// </summary>
public sealed class SegmentationLossMix : nn.Module
{
    readonly Tensor running_human, running_pseudo, steps;

    public SegmentationLossMix(double alpha = 1.0, bool normalize = true, double timeConstant = 100) : base(nameof(SegmentationLossMix))
    {
        if (!(alpha >= 0) || double.IsInfinity(alpha)) throw new ArgumentException($"alpha must be a non-negative number, got {alpha}", nameof(alpha));
        LossNormalizer.CheckTimeConstant(timeConstant, nameof(timeConstant));
        Alpha = alpha; Normalize = normalize; TimeConstant = timeConstant;
        running_human = zeros(1, ScalarType.Float64);
        running_pseudo = zeros(1, ScalarType.Float64);
        steps = zeros(1, ScalarType.Int64);
        register_buffer(nameof(running_human), running_human);
        register_buffer(nameof(running_pseudo), running_pseudo);
        register_buffer(nameof(steps), steps);
    }

    public double Alpha { get; }
    public bool Normalize { get; }
    public double TimeConstant { get; }

    /// <summary>Current running means (L̄_h, L̄_p); zero before the first step.</summary>
    public (double Human, double Pseudo) RunningMeans => (running_human.item<double>(), running_pseudo.item<double>());

    /// <summary>
    /// Updates the running means with this step's losses and returns {"loss", "human", "pseudo", "human_weight",
    /// "pseudo_weight"}, the weights being the factors of L_h and L_p (<see cref="LossNormalizer.Weights"/>).
    /// </summary>
    public Dictionary<string, Tensor> Combine(Tensor human, Tensor pseudo)
    {
        if (human.numel() != 1 || pseudo.numel() != 1) throw new ArgumentException("human and pseudo losses must be scalars");
        Tensor humanWeight, weight;
        using (no_grad())
        {
            // The formula lives in one place (LossNormalizer, shared with detection); this module only keeps its state
            // in buffers so that a checkpoint of the student holds it.
            var normalizer = new LossNormalizer(TimeConstant, Alpha, Normalize);
            if (steps.item<long>() > 0) normalizer.Restore(new LossNormalizer.State(running_human.item<double>(), running_pseudo.item<double>()));
            var w = normalizer.Update(human.detach().to(ScalarType.Float64).item<double>(), pseudo.detach().to(ScalarType.Float64).item<double>());
            running_human.fill_(normalizer.Current!.MeanHuman);
            running_pseudo.fill_(normalizer.Current!.MeanPseudo);
            steps.add_(1);
            humanWeight = full(new long[0], w.Human, human.dtype, human.device);
            weight = full(new long[0], w.Pseudo, pseudo.dtype, pseudo.device);
        }
        return new Dictionary<string, Tensor>
        {
            ["loss"] = humanWeight * human + weight * pseudo,
            ["human"] = human.detach(),
            ["pseudo"] = pseudo.detach(),
            ["human_weight"] = humanWeight,
            ["pseudo_weight"] = weight,
        };
    }
}
