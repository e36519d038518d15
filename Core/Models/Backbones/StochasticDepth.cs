using TorchSharp;
using static TorchSharp.torch;

namespace Repro.Core.Models.Backbones;

/// <summary>
/// Stochastic depth / drop-path (Huang et al. 2016) on a residual branch: in training, each sample's branch is zeroed
/// with probability p and the survivors are scaled by 1/(1−p) so the expectation is unchanged; the identity in eval.
/// The random draw uses torch's generator (seed it with <c>torch.manual_seed</c> for reproducible runs).
/// </summary>
public sealed class StochasticDepth : nn.Module<Tensor, Tensor>
{
    public StochasticDepth(double probability) : base(nameof(StochasticDepth))
    {
        if (probability is < 0 or >= 1) throw new ArgumentException($"drop probability must be in [0, 1), got {probability}", nameof(probability));
        Probability = probability;
    }

    public double Probability { get; }

    public override Tensor forward(Tensor branch)
    {
        if (!training || Probability == 0) return branch;
        double keep = 1 - Probability;
        var shape = new long[branch.dim()];
        shape[0] = branch.shape[0];
        for (int i = 1; i < shape.Length; i++) shape[i] = 1;
        var mask = torch.empty(shape, dtype: branch.dtype, device: branch.device).bernoulli_(keep);
        return branch * mask.div_(keep);
    }
}
