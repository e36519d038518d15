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

    public override Tensor[] forward(Tensor images) => ForwardWithStride4(images)[1..];

    /// <summary>Index of the stage whose output is C2 (stride 4: stem 2, stage 0 stride 1, stage 1 stride 2).</summary>
    const int Stride4Stage = 1;

    public override long? Stride4Channels => _stageChannels[Stride4Stage];

    public override Tensor[] ForwardWithStride4(Tensor images)
    {
        var x = stem.call(images);
        var outs = new Tensor[4];
        int k = 1;
        for (int s = 0; s < stages.Count; s++)
        {
            x = stages[s].call(x);
            if (s == Stride4Stage) outs[0] = x;
            if (k < 4 && s == EfficientNetSpec.FeatureStages[k - 1]) outs[k++] = x;
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
