using TorchSharp;
using static TorchSharp.torch;

namespace Repro.Core.Models;

/// <summary>Activation applied after a conv + norm.</summary>
public enum Activation { None, ReLU, SiLU }

/// <summary>
/// conv (no bias) → norm → activation, the building brick of both backbone families.
/// State-dict names: <c>conv.weight</c>, <c>norm.*</c>.
/// </summary>
public sealed class ConvNormAct : nn.Module<Tensor, Tensor>
{
    readonly nn.Module<Tensor, Tensor> conv;
    readonly nn.Module<Tensor, Tensor> norm;
    readonly Activation _act;

    public ConvNormAct(long inChannels, long outChannels, long kernel, long stride, NormSettings norm, Activation act, long groups = 1)
        : base(nameof(ConvNormAct))
    {
        if (kernel % 2 != 1) throw new ArgumentException($"kernel must be odd, got {kernel}", nameof(kernel));
        InChannels = inChannels; OutChannels = outChannels; Kernel = kernel; Stride = stride; Groups = groups;
        conv = nn.Conv2d(inChannels, outChannels, kernel, stride: stride, padding: kernel / 2, groups: groups, bias: false);
        this.norm = norm.Create(outChannels);
        _act = act;
        RegisterComponents();
        nn.init.kaiming_normal_(((TorchSharp.Modules.Conv2d)conv).weight!, mode: nn.init.FanInOut.FanOut, nonlinearity: nn.init.NonlinearityType.ReLU);
    }

    public long InChannels { get; }
    public long OutChannels { get; }
    public long Kernel { get; }
    public long Stride { get; }
    public long Groups { get; }

    public override Tensor forward(Tensor x)
    {
        var y = norm.call(conv.call(x));
        return _act switch
        {
            Activation.ReLU => nn.functional.relu(y, inplace: true),
            Activation.SiLU => nn.functional.silu(y),
            _ => y,
        };
    }
}
