using TorchSharp;
using static TorchSharp.torch;

namespace Repro.Core.Models.Backbones;

/// <summary>Residual block type of a ResNet.</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<ResNetBlockKind>))]
public enum ResNetBlockKind
{
    /// <summary>Two 3×3 convs (ResNet-18/34); expansion 1.</summary>
    Basic,
    /// <summary>1×1 reduce, 3×3 (carrying the stride, "ResNet v1.5"), 1×1 expand ×4 (ResNet-50/101).</summary>
    Bottleneck,
}

/// <summary>
/// One residual block: y = act(body(x) + shortcut(x)), where the shortcut is a strided 1×1 conv + norm when the shape
/// changes and the identity otherwise. The last norm of the body starts at zero weight when
/// <paramref name="zeroInitResidual"/> (each block then starts as the identity; the paper-scale presets keep it off,
/// as torchvision does).
/// </summary>
public sealed class ResidualBlock : nn.Module<Tensor, Tensor>
{
    readonly nn.Module<Tensor, Tensor> body;
    readonly nn.Module<Tensor, Tensor>? downsample;

    public ResidualBlock(ResNetBlockKind kind, long inChannels, long width, long stride, NormSettings norm, bool zeroInitResidual = false)
        : base(nameof(ResidualBlock))
    {
        OutChannels = kind == ResNetBlockKind.Basic ? width : width * 4;
        var layers = new List<(string, nn.Module<Tensor, Tensor>)>();
        if (kind == ResNetBlockKind.Basic)
        {
            layers.Add(("conv1", new ConvNormAct(inChannels, width, 3, stride, norm, Activation.ReLU)));
            layers.Add(("conv2", new ConvNormAct(width, width, 3, 1, norm, Activation.None)));
        }
        else
        {
            layers.Add(("conv1", new ConvNormAct(inChannels, width, 1, 1, norm, Activation.ReLU)));
            layers.Add(("conv2", new ConvNormAct(width, width, 3, stride, norm, Activation.ReLU)));
            layers.Add(("conv3", new ConvNormAct(width, OutChannels, 1, 1, norm, Activation.None)));
        }
        body = nn.Sequential(layers);
        if (stride != 1 || inChannels != OutChannels)
            downsample = new ConvNormAct(inChannels, OutChannels, 1, stride, norm, Activation.None);
        RegisterComponents();
        if (zeroInitResidual)
            foreach (var (name, p) in layers[^1].Item2.named_parameters())
                if (name == "norm.weight") using (no_grad()) p.zero_();
    }

    public long OutChannels { get; }

    public override Tensor forward(Tensor x)
    {
        var shortcut = downsample is null ? x : downsample.call(x);
        return nn.functional.relu(body.call(x) + shortcut, inplace: true);
    }
}
