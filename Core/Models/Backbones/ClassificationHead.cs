using TorchSharp;
using static TorchSharp.torch;

namespace Repro.Core.Models.Backbones;

/// <summary>
/// Image classification head on a backbone's last feature map: [optional 1×1 conv + norm + activation] → global average
/// pool → dropout → linear. Names: <c>top.*</c> (when present), <c>fc.weight</c>, <c>fc.bias</c>.
/// </summary>
public sealed class ClassificationHead : nn.Module<Tensor, Tensor>
{
    readonly nn.Module<Tensor, Tensor>? top;
    readonly nn.Module<Tensor, Tensor> dropout;
    readonly nn.Module<Tensor, Tensor> fc;

    /// <param name="inChannels">Channels of the feature map fed in (C5).</param>
    /// <param name="numClasses">Number of output logits.</param>
    /// <param name="dropout">Dropout probability before the linear layer (0 = none).</param>
    /// <param name="top">Optional module applied before pooling (EfficientNet's final 1×1 conv).</param>
    /// <param name="topChannels">Channels after <paramref name="top"/> (ignored without it).</param>
    public ClassificationHead(long inChannels, int numClasses, double dropout, nn.Module<Tensor, Tensor>? top = null, long topChannels = 0)
        : base(nameof(ClassificationHead))
    {
        if (numClasses <= 0) throw new ArgumentException($"numClasses must be positive, got {numClasses}", nameof(numClasses));
        if (dropout is < 0 or >= 1) throw new ArgumentException($"dropout must be in [0, 1), got {dropout}", nameof(dropout));
        this.top = top;
        FeatureChannels = top is null ? inChannels : topChannels;
        NumClasses = numClasses;
        this.dropout = nn.Dropout(dropout);
        fc = nn.Linear(FeatureChannels, numClasses);
        RegisterComponents();
    }

    /// <summary>Width of the pooled embedding (the linear layer's input).</summary>
    public long FeatureChannels { get; }
    public int NumClasses { get; }

    /// <summary>The pooled embedding [B, FeatureChannels] (what SimCLR projects).</summary>
    public Tensor Embed(Tensor c5)
    {
        var x = top is null ? c5 : top.call(c5);
        return nn.functional.adaptive_avg_pool2d(x, 1).flatten(1);
    }

    public override Tensor forward(Tensor c5) => fc.call(dropout.call(Embed(c5)));
}
