using TorchSharp;
using static TorchSharp.torch;

namespace Repro.Core.Models.Backbones;

/// <summary>
/// ResNet (He et al. 2016) as a detection backbone: stem → four residual stages; C3, C4, C5 are the outputs of stages
/// 2, 3, 4. Names: <c>stem.*</c>, <c>layer1.*</c> … <c>layer4.*</c>.
/// </summary>
public sealed class ResNet : Backbone
{
    readonly nn.Module<Tensor, Tensor> stem;
    readonly nn.Module<Tensor, Tensor> layer1, layer2, layer3, layer4;
    readonly long[] _channels;

    public ResNet(ResNetSpec spec, NormSettings norm, bool zeroInitResidual = false) : base(nameof(ResNet))
    {
        spec.Validate();
        Spec = spec;
        int stemStride;
        if (spec.Stem == ResNetStem.Conv7x7MaxPool)
        {
            stem = nn.Sequential(("conv", new ConvNormAct(3, spec.StemWidth, 7, 2, norm, Activation.ReLU)),
                                 ("pool", nn.MaxPool2d(3, 2, 1)));
            stemStride = 4;
        }
        else
        {
            stem = nn.Sequential(("conv", new ConvNormAct(3, spec.StemWidth, 3, 2, norm, Activation.ReLU)));
            stemStride = 2;
        }
        long ch = spec.StemWidth;
        var stages = new nn.Module<Tensor, Tensor>[4];
        _channels = new long[4];
        for (int s = 0; s < 4; s++)
        {
            long stride = s == 0 ? 4 / stemStride : 2;
            var blocks = new List<nn.Module<Tensor, Tensor>>();
            for (int b = 0; b < spec.Depths[s]; b++)
            {
                var block = new ResidualBlock(spec.Block, ch, spec.Widths[s], b == 0 ? stride : 1, norm, zeroInitResidual);
                ch = block.OutChannels;
                blocks.Add(block);
            }
            stages[s] = nn.Sequential(blocks);
            _channels[s] = ch;
        }
        (layer1, layer2, layer3, layer4) = (stages[0], stages[1], stages[2], stages[3]);
        RegisterComponents();
    }

    public ResNetSpec Spec { get; }

    public override IReadOnlyList<long> FeatureChannels => new[] { _channels[1], _channels[2], _channels[3] };

    public override Tensor[] forward(Tensor images) => ForwardWithStride4(images)[1..];

    public override long? Stride4Channels => _channels[0];

    /// <summary>C2 is the output of stage 1 (layer1).</summary>
    public override Tensor[] ForwardWithStride4(Tensor images)
    {
        var c2 = layer1.call(stem.call(images));
        var c3 = layer2.call(c2);
        var c4 = layer3.call(c3);
        var c5 = layer4.call(c4);
        return new[] { c2, c3, c4, c5 };
    }

    public override ClassificationHead CreateClassificationHead(int numClasses, double dropout) =>
        new(_channels[3], numClasses, dropout);
}
