using Repro.Core.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace Repro.Core.Tests.Native;

public class TorchSharpLoadsTests : TorchTestBase
{
    [Fact]
    public void Tensor_ops_and_backward_match_hand_computed_values()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new float[] { 1, 2, 3 }, requires_grad: true);
        var y = (x * x).sum() + (3 * x).sum(); // dy/dx = 2x + 3
        Assert.Equal(14f + 18f, y.item<float>());
        y.backward();
        Assert.Equal(new float[] { 5, 7, 9 }, x.grad!.data<float>().ToArray());
    }

    [Fact]
    public void One_sgd_step_moves_weights_by_lr_times_gradient()
    {
        using var scope = NewDisposeScope();
        manual_seed(0);
        var lin = nn.Linear(2, 1);
        var before = lin.weight!.detach().clone();
        var opt = optim.SGD(lin.parameters(), 0.1);
        var input = tensor(new float[] { 1, -2 }).reshape(1, 2);
        var loss = lin.forward(input).sum(); // d loss / d w = input
        opt.zero_grad();
        loss.backward();
        opt.step();
        var delta = (lin.weight!.detach() - before).data<float>().ToArray();
        Assert.Equal(-0.1f, delta[0], 6);
        Assert.Equal(0.2f, delta[1], 6);
    }

    [Fact]
    public void Loader_reports_what_it_did()
    {
        TorchNativeLoader.EnsureLoaded();
        Assert.False(string.IsNullOrEmpty(TorchNativeLoader.Report));
    }
}
