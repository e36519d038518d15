using TorchSharp;
using static TorchSharp.torch;

namespace Repro.Core.Models.Backbones;

/// <summary>
/// EfficientNet (Tan &amp; Le 2019) as a detection backbone: 3×3 stride-2 stem → seven MBConv stages scaled by the
/// spec's width/depth coefficients; C3, C4, C5 are the outputs of stages 3, 5 and 7. The family's final 1×1 conv to
/// 4× the last stage's width belongs to the classification head (detection does not use it).
/// Names: <c>stem.*</c>, <c>stages.{s}.{b}.*</c>.
/// </summary>
public sealed class EfficientNet : Backbone
{
    readonly nn.Module<Tensor, Tensor> stem;
    readonly TorchSharp.Modules.ModuleList<nn.Module<Tensor, Tensor>> stages;
    readonly long[] _stageChannels;
    readonly NormSettings _norm;

    public EfficientNet(EfficientNetSpec spec, NormSettings norm) : base(nameof(EfficientNet))
    {
        spec.Validate();
        Spec = spec;
        _norm = norm;
        var rows = EfficientNetSpec.BaselineStages;
        long ch = spec.ScaleChannels(rows[0].InChannels);
        stem = new ConvNormAct(3, ch, 3, 2, norm, Activation.SiLU);
        int totalBlocks = rows.Sum(r => spec.ScaleDepth(r.Blocks));
        int blockIndex = 0;
        stages = new TorchSharp.Modules.ModuleList<nn.Module<Tensor, Tensor>>();
        _stageChannels = new long[rows.Count];
        for (int s = 0; s < rows.Count; s++)
        {
            var r = rows[s];
            long outCh = spec.ScaleChannels(r.OutChannels);
            var blocks = new List<nn.Module<Tensor, Tensor>>();
            for (int b = 0; b < spec.ScaleDepth(r.Blocks); b++)
            {
                // Drop-path probability grows linearly with the block's position in the whole network.
                double sd = spec.StochasticDepth * blockIndex++ / totalBlocks;
                long expanded = ChannelRounding.RoundToMultiple(ch * r.Expand, 8);
                blocks.Add(new MBConv(ch, outCh, expanded, r.Kernel, b == 0 ? r.Stride : 1, norm, sd));
                ch = outCh;
            }
            stages.Add(nn.Sequential(blocks));
            _stageChannels[s] = ch;
        }
        RegisterComponents();
    }

    public EfficientNetSpec Spec { get; }

    public override IReadOnlyList<long> FeatureChannels => EfficientNetSpec.FeatureStages.Select(s => _stageChannels[s]).ToArray();

    public override Tensor[] forward(Tensor images)
    {
        var x = stem.call(images);
        var outs = new Tensor[3];
        int k = 0;
        for (int s = 0; s < stages.Count; s++)
        {
            x = stages[s].call(x);
            if (k < 3 && s == EfficientNetSpec.FeatureStages[k]) outs[k++] = x;
        }
        return outs;
    }

    /// <summary>Final 1×1 conv to 4× the last stage's width + norm + SiLU, then pool, dropout, linear.</summary>
    public override ClassificationHead CreateClassificationHead(int numClasses, double dropout)
    {
        long last = _stageChannels[^1];
        var top = new ConvNormAct(last, 4 * last, 1, 1, _norm, Activation.SiLU);
        return new ClassificationHead(last, numClasses, dropout, top, 4 * last);
    }
}
