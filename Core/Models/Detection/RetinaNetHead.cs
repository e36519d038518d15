using TorchSharp;
using static TorchSharp.torch;

namespace Repro.Core.Models.Detection;

/// <summary>
/// One RetinaNet subnet, shared across pyramid levels: N × (3×3 conv + [GroupNorm] + ReLU), then a 3×3 conv to
/// anchors × outputs channels. Weights start normal(0, 0.01), biases 0 except the final one (<paramref name="finalBias"/>).
/// Names: <c>convs.{2i}</c> conv, <c>convs.{2i+1}</c> norm (when GroupNorm), <c>output.*</c>.
/// </summary>
public sealed class RetinaNetSubnet : nn.Module<Tensor, Tensor>
{
    readonly TorchSharp.Modules.ModuleList<nn.Module<Tensor, Tensor>> convs;
    readonly nn.Module<Tensor, Tensor> output;
    readonly int _anchors, _outputs;

    public RetinaNetSubnet(long channels, int anchors, int outputsPerAnchor, HeadConfig config, double finalBias) : base(nameof(RetinaNetSubnet))
    {
        _anchors = anchors; _outputs = outputsPerAnchor;
        convs = new();
        for (int i = 0; i < config.Convs; i++)
        {
            convs.Add(nn.Conv2d(channels, channels, 3, padding: 1));
            if (config.GroupNorm) convs.Add(NormLayers.GroupNorm(channels, config.GroupNormGroups));
        }
        output = nn.Conv2d(channels, (long)anchors * outputsPerAnchor, 3, padding: 1);
        RegisterComponents();
        using (no_grad())
            foreach (var m in modules().OfType<TorchSharp.Modules.Conv2d>())
            {
                nn.init.normal_(m.weight!, 0, 0.01);
                m.bias!.fill_(0);
            }
        using (no_grad()) ((TorchSharp.Modules.Conv2d)output).bias!.fill_(finalBias);
    }

    /// <summary>[B, H·W·anchors, outputs] for one level [B, C, H, W], cell-major then anchor (the anchor generator's order).</summary>
    public override Tensor forward(Tensor feature)
    {
        var x = feature;
        for (int i = 0; i < convs.Count; i++)
        {
            x = convs[i].call(x);
            bool normNext = i + 1 < convs.Count && convs[i + 1] is TorchSharp.Modules.GroupNorm;
            if (!normNext) x = nn.functional.relu(x, inplace: true);
        }
        var y = output.call(x);
        long b = y.shape[0], h = y.shape[2], w = y.shape[3];
        return y.permute(0, 2, 3, 1).reshape(b, h * w * _anchors, _outputs);
    }
}

/// <summary>
/// The RetinaNet head: a classification subnet (class logits per anchor; bias −log((1−π)/π) so every anchor starts at
/// foreground probability π) and a box subnet (4 deltas per anchor), both applied to every pyramid level.
/// Names: <c>classification.*</c>, <c>regression.*</c>.
/// </summary>
public sealed class RetinaNetHead : nn.Module<Tensor[], (Tensor[] ClassLogits, Tensor[] BoxDeltas)>
{
    readonly RetinaNetSubnet classification, regression;

    public RetinaNetHead(long channels, int anchorsPerLocation, int numClasses, HeadConfig config) : base(nameof(RetinaNetHead))
    {
        config.Validate();
        double prior = -Math.Log((1 - config.PriorProbability) / config.PriorProbability);
        classification = new RetinaNetSubnet(channels, anchorsPerLocation, numClasses, config, prior);
        regression = new RetinaNetSubnet(channels, anchorsPerLocation, 4, config, 0);
        RegisterComponents();
    }

    /// <summary>Per level: class logits [B, A_ℓ, C] and box deltas [B, A_ℓ, 4].</summary>
    public override (Tensor[] ClassLogits, Tensor[] BoxDeltas) forward(Tensor[] levels) =>
        (levels.Select(classification.call).ToArray(), levels.Select(regression.call).ToArray());
}
