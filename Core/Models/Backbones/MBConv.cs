using TorchSharp;
using static TorchSharp.torch;

namespace Repro.Core.Models.Backbones;

/// <summary>
/// Mobile inverted bottleneck (MBConv, Sandler et al. 2018; Tan &amp; Le 2019): [1×1 expand + norm + SiLU] →
/// k×k depthwise conv (stride) + norm + SiLU → squeeze-excitation (squeeze = input channels / 4) → 1×1 project + norm;
/// plus the input through stochastic depth when the shape is kept. Names: <c>expand.*</c> (absent when the expansion
/// ratio is 1), <c>depthwise.*</c>, <c>se.*</c>, <c>project.*</c>.
/// </summary>
public sealed class MBConv : nn.Module<Tensor, Tensor>
{
    readonly nn.Module<Tensor, Tensor>? expand;
    readonly nn.Module<Tensor, Tensor> depthwise, se, project;
    readonly StochasticDepth? drop_path;

    public MBConv(long inChannels, long outChannels, long expandedChannels, long kernel, long stride, NormSettings norm,
                  double stochasticDepth, double seRatio = 0.25) : base(nameof(MBConv))
    {
        if (stride is not (1 or 2)) throw new ArgumentException($"MBConv stride must be 1 or 2, got {stride}", nameof(stride));
        if (expandedChannels != inChannels)
            expand = new ConvNormAct(inChannels, expandedChannels, 1, 1, norm, Activation.SiLU);
        depthwise = new ConvNormAct(expandedChannels, expandedChannels, kernel, stride, norm, Activation.SiLU, groups: expandedChannels);
        se = new SqueezeExcitation(expandedChannels, Math.Max(1, (long)(inChannels * seRatio)));
        project = new ConvNormAct(expandedChannels, outChannels, 1, 1, norm, Activation.None);
        HasResidual = stride == 1 && inChannels == outChannels;
        if (HasResidual) drop_path = new StochasticDepth(stochasticDepth);
        RegisterComponents();
    }

    public bool HasResidual { get; }

    public override Tensor forward(Tensor x)
    {
        var y = expand is null ? x : expand.call(x);
        y = project.call(se.call(depthwise.call(y)));
        return HasResidual ? drop_path!.call(y) + x : y;
    }
}
