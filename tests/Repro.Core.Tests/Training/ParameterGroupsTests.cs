using Repro.Core.Training;
using TorchSharp;
using TorchSharp.Modules;
using static Repro.Core.Tests.Training.TrainingTestKit;
using static TorchSharp.torch;

namespace Repro.Core.Tests.Training;

[Collection(TorchGlobalRngCollection.Name)]
public class ParameterGroupsTests : TorchTestBase
{
    static Sequential ConvNet() => nn.Sequential(
        ("conv", nn.Conv2d(1, 2, 3)),
        ("bn", nn.BatchNorm2d(2)),
        ("gn", nn.GroupNorm(1, 2)),
        ("head", nn.Sequential(("flat", nn.Flatten()), ("fc", nn.Linear(2, 1)))));

    [Fact]
    public void Norm_parameters_and_biases_go_to_the_no_decay_group()
    {
        var groups = ParameterGroups.Split(ConvNet(), exemptNormAndBias: true);
        Assert.Equal(["conv.weight", "head.fc.weight"], groups.Decay.Select(p => p.Name));
        Assert.Equal(["bn.bias", "bn.weight", "conv.bias", "gn.bias", "gn.weight", "head.fc.bias"], groups.NoDecay.Select(p => p.Name).Order());

        var single = ParameterGroups.Split(ConvNet(), exemptNormAndBias: false);
        Assert.Equal(8, single.Decay.Count);
        Assert.Empty(single.NoDecay);
    }

    [Fact]
    public void Frozen_parameters_are_left_out()
    {
        var net = ConvNet();
        foreach (var (name, p) in net.named_parameters())
            if (name.StartsWith("conv.", StringComparison.Ordinal)) p.requires_grad = false;
        var groups = ParameterGroups.Split(net, exemptNormAndBias: true);
        Assert.DoesNotContain(groups.Decay.Concat(groups.NoDecay), p => p.Name.StartsWith("conv.", StringComparison.Ordinal));
        Assert.Equal(6, groups.All.Count());
    }

    [Fact]
    public void Bias_with_zero_gradient_does_not_move_when_exempt_from_decay()
    {
        // loss = Σ w² + 0·Σ b: the bias has a (zero) gradient, so only weight decay could move it
        float[] Run(bool exempt)
        {
            using var dir = new TempDir();
            var lin = nn.Linear(3, 2);
            using (no_grad()) lin.bias!.copy_(tensor(new float[] { 0.5f, -1f }));
            var o = Quick(3) with { LearningRate = 0.1, Momentum = 0.9, WeightDecay = 0.1, NoWeightDecayOnNormAndBias = exempt };
            new Trainer(o, dir.Path).Train(lin, _ => new Dictionary<string, Tensor>
            {
                ["loss"] = lin.weight!.pow(2).sum() + 0 * lin.bias!.sum(),
            });
            return Values(lin.bias!);
        }

        Assert.Equal([0.5f, -1f], Run(exempt: true));
        var decayed = Run(exempt: false);
        Assert.True(Math.Abs(decayed[0]) < 0.5f && Math.Abs(decayed[1]) < 1f, "with decay on biases the bias must shrink (control)");
    }
}
