using Repro.Core.Regimes.Pretraining;
using static TorchSharp.torch;

namespace Repro.Core.Tests.Regimes.Pretraining;

public class NtXentLossTests : TorchTestBase
{
    static Tensor T(params float[][] rows) => tensor(rows.SelectMany(r => r).ToArray(), new long[] { rows.Length, rows[0].Length });

    [Fact]
    public void SymmetricCaseEqualsClosedForm()
    {
        // Two images whose views coincide, a = (1,0) and b = (0,1): every anchor's positive has similarity 1 and its two
        // negatives 0, so each loss is -log(e^{1/τ} / (e^{1/τ} + 2)) = log(1 + 2 e^{-1/τ}).
        const double tau = 0.5;
        using var scope = NewDisposeScope();
        var z1 = T(new[] { 1f, 0f }, new[] { 0f, 1f });
        var z2 = T(new[] { 1f, 0f }, new[] { 0f, 1f });
        var (loss, acc) = NtXentLoss.Compute(z1, z2, tau);
        Assert.Equal(Math.Log(1 + 2 * Math.Exp(-2.0)), loss.item<float>(), 5);
        Assert.Equal(1f, acc.item<float>());
    }

    [Fact]
    public void AsymmetricCaseEqualsHandComputation()
    {
        // Views (not unit length; the loss normalises): image 0: u0 = (2, 0) and v0 = (0.6, 0.8); image 1: u1 = (0, 3),
        // v1 = (-0.6, 0.8). Unit vectors: û0 = (1,0), v̂0 = (.6,.8), û1 = (0,1), v̂1 = (-.6,.8). Cosines:
        // û0·v̂0 = .6, û0·û1 = 0, û0·v̂1 = -.6, v̂0·û1 = .8, v̂0·v̂1 = .28, û1·v̂1 = .8.
        const double tau = 0.5;
        double E(double s) => Math.Exp(s / tau);
        double l_u0 = -Math.Log(E(.6) / (E(.6) + E(0) + E(-.6)));
        double l_u1 = -Math.Log(E(.8) / (E(0) + E(.8) + E(.8)));     // negatives û0 (0) and v̂0 (.8)
        double l_v0 = -Math.Log(E(.6) / (E(.6) + E(.8) + E(.28)));   // negatives û1 (.8) and v̂1 (.28)
        double l_v1 = -Math.Log(E(.8) / (E(-.6) + E(.8) + E(.28)));  // negatives û0 (-.6) and v̂0 (.28)
        double expected = (l_u0 + l_u1 + l_v0 + l_v1) / 4;

        using var scope = NewDisposeScope();
        var loss = NtXentLoss.Loss(T(new[] { 2f, 0f }, new[] { 0f, 3f }), T(new[] { .6f, .8f }, new[] { -.6f, .8f }), tau);
        Assert.Equal(expected, loss.item<float>(), 5);
    }

    [Fact]
    public void LossIsSmallestWhenViewsCoincideAndImagesAreFarApart()
    {
        // Each anchor's loss is log(1 + Σ_neg exp((s_neg − s_pos)/τ)) ≥ log(1 + 2 exp(−2/τ)) for two images (cosines lie in
        // [−1, 1]), with equality exactly when both views coincide (cosine 1) and the images are antipodal (cosine −1).
        const double tau = 0.5;
        double bound = Math.Log(1 + 2 * Math.Exp(-2 / tau));
        using var scope = NewDisposeScope();
        var best = tensor(new float[] { 1, 0, 0, -1, 0, 0 }, new long[] { 2, 3 });
        Assert.Equal(bound, NtXentLoss.Loss(best, best, tau).item<float>(), 6);
        manual_seed(11);
        for (int trial = 0; trial < 20; trial++)
        {
            var z1 = randn(2, 3);
            var z2 = z1 + 0.5 * randn(2, 3);                          // views that disagree
            Assert.True(NtXentLoss.Loss(z1, z2, tau).item<float>() > bound + 1e-4);
            var closer = best + 0.3 * randn(2, 3);                    // coinciding views, images no longer antipodal
            Assert.True(NtXentLoss.Loss(closer, closer, tau).item<float>() > bound);
            Assert.True(NtXentLoss.Loss(best, best + 0.3 * randn(2, 3), tau).item<float>() > bound);
        }
    }

    [Fact]
    public void RejectsBadInput()
    {
        using var scope = NewDisposeScope();
        Assert.Throws<ArgumentOutOfRangeException>(() => NtXentLoss.Loss(eye(2), eye(2), 0));
        Assert.Throws<ArgumentException>(() => NtXentLoss.Loss(eye(2), eye(3), 0.5));
        Assert.Throws<ArgumentException>(() => NtXentLoss.Loss(ones(1, 2), ones(1, 2), 0.5));
    }
}

public class SoftTargetCrossEntropyTests : TorchTestBase
{
    [Fact]
    public void MatchesHandValuesForHardSmoothedAndSoftTargets()
    {
        using var scope = NewDisposeScope();
        // logits (0, ln 3) → softmax (1/4, 3/4).
        var logits = tensor(new float[] { 0, (float)Math.Log(3) }, new long[] { 1, 2 });
        var label = tensor(new long[] { 0 });
        Assert.Equal(Math.Log(4), SoftTargetCrossEntropy.Loss(logits, SoftTargetCrossEntropy.SmoothedOneHot(label, 2, 0)).item<float>(), 5);
        // ε = 0.1 over 2 classes: targets (0.95, 0.05).
        Assert.Equal(0.95 * Math.Log(4) + 0.05 * Math.Log(4.0 / 3), SoftTargetCrossEntropy.Loss(logits, SoftTargetCrossEntropy.SmoothedOneHot(label, 2, 0.1)).item<float>(), 5);
        var soft = tensor(new float[] { 0.5f, 0.5f }, new long[] { 1, 2 });
        Assert.Equal(0.5 * Math.Log(4) + 0.5 * Math.Log(4.0 / 3), SoftTargetCrossEntropy.Loss(logits, soft).item<float>(), 5);
    }
}
