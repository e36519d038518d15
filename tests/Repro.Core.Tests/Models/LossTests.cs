using Repro.Core.Models.Detection;
using static TorchSharp.torch;

namespace Repro.Core.Tests.Models;

public class LossTests : TorchTestBase
{
    static double FocalByHand(double x, double t, double alpha, double gamma)
    {
        double p = 1 / (1 + Math.Exp(-x));
        double ce = -(t * Math.Log(p) + (1 - t) * Math.Log(1 - p));
        double pT = p * t + (1 - p) * (1 - t);
        double aT = alpha * t + (1 - alpha) * (1 - t);
        return aT * Math.Pow(1 - pT, gamma) * ce;
    }

    [Fact]
    public void FocalLossEqualsClosedFormula()
    {
        var x = new[] { 2.0f, -1f, 0.5f, -3f };
        var t = new[] { 1f, 0f, 1f, 0f };
        var loss = FocalLoss.Elementwise(tensor(x), tensor(t), 0.25, 2.0).data<float>().ToArray();
        double sum = 0;
        for (int i = 0; i < 4; i++)
        {
            double expected = FocalByHand(x[i], t[i], 0.25, 2.0);
            Assert.Equal(expected, loss[i], 6);
            sum += expected;
        }
        Assert.Equal(0.03442, sum, 4);     // environment.md's reference value (torchvision's float Sum gave 0.0916)
        Assert.Equal(sum, loss.Sum(), 6);
        // γ = 1.5, α = 0.5 too
        var l15 = FocalLoss.Elementwise(tensor(x), tensor(t), 0.5, 1.5).data<float>().ToArray();
        for (int i = 0; i < 4; i++) Assert.Equal(FocalByHand(x[i], t[i], 0.5, 1.5), l15[i], 6);
    }

    [Fact]
    public void FocalLossStaysFiniteForLargeLogits()
    {
        // x = 100, t = 0: p_t ≈ 0, loss ≈ (1−α)·1·100; x = −100, t = 0: ≈ 0.
        var loss = FocalLoss.Elementwise(tensor(new[] { 100f, -100f }), tensor(new[] { 0f, 0f })).data<float>().ToArray();
        Assert.Equal(75f, loss[0], 3);
        Assert.Equal(0f, loss[1], 6);
    }

    [Fact]
    public void BoxLossesMatchTheirFormulas()
    {
        var pred = tensor(new[] { -0.3f, 0.05f, 0f, 2f });
        var target = zeros(4);
        float[] Run(BoxLossKind k, double p) => BoxRegressionLoss.Elementwise(pred, target, k, p).data<float>().ToArray();
        Assert.Equal(new[] { 0.3f, 0.05f, 0f, 2f }, Run(BoxLossKind.L1, 0), new FloatClose(1e-6f));
        // smooth-L1 β 0.1: 0.5·d²/β below β, |d| − β/2 above.
        Assert.Equal(new[] { 0.25f, 0.0125f, 0f, 1.95f }, Run(BoxLossKind.SmoothL1, 0.1), new FloatClose(1e-6f));
        Assert.Equal(new[] { 0.3f, 0.05f, 0f, 2f }, Run(BoxLossKind.SmoothL1, 0), new FloatClose(1e-6f));
        // Huber δ 0.1: 0.5·d² below δ, δ(|d| − δ/2) above.
        Assert.Equal(new[] { 0.025f, 0.00125f, 0f, 0.195f }, Run(BoxLossKind.Huber, 0.1), new FloatClose(1e-6f));
    }
}
