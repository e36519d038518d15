using TorchSharp;
using static TorchSharp.torch;

namespace Repro.Core.Models.Backbones;

/// <summary>
/// Squeeze-and-excitation (Hu et al. 2018) as EfficientNet uses it: global average pool → 1×1 conv (reduce) → SiLU →
/// 1×1 conv (expand) → sigmoid, which rescales the input's channels. Names: <c>fc1.*</c>, <c>fc2.*</c>.
/// </summary>
public sealed class SqueezeExcitation : nn.Module<Tensor, Tensor>
{
    readonly nn.Module<Tensor, Tensor> fc1, fc2;

    public SqueezeExcitation(long channels, long squeezeChannels) : base(nameof(SqueezeExcitation))
    {
        if (squeezeChannels < 1) throw new ArgumentException($"squeezeChannels must be ≥ 1, got {squeezeChannels}", nameof(squeezeChannels));
        fc1 = nn.Conv2d(channels, squeezeChannels, 1);
        fc2 = nn.Conv2d(squeezeChannels, channels, 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var s = nn.functional.adaptive_avg_pool2d(x, 1);
        s = fc2.call(nn.functional.silu(fc1.call(s))).sigmoid();
        return x * s;
    }
}
