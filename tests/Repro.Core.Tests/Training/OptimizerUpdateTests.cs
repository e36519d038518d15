using Repro.Core.Training;
using TorchSharp;
using static Repro.Core.Tests.Training.TrainingTestKit;
using static TorchSharp.torch;

namespace Repro.Core.Tests.Training;

/// <summary>Updates made through the <see cref="Trainer"/> against hand-computed SGD/AdamW steps on a linear loss L = Σ w·c (∂L/∂w = c).</summary>
[Collection(TorchGlobalRngCollection.Name)]
public class OptimizerUpdateTests : TorchTestBase
{
    static readonly double[] W0 = [1, 2, -1, 0.5];
    static readonly double[] C = [3, -1, 0.5, 2];

    static double[] Train(TrainerOptions options, double[]? c = null)
    {
        c ??= C;
        using var dir = new TempDir();
        var lin = nn.Linear(4, 1, hasBias: false);
        using (no_grad()) lin.weight!.copy_(tensor(W0.Select(v => (float)v).ToArray()).reshape(1, 4));
        var trainer = new Trainer(options, dir.Path);
        trainer.Train(lin, _ => new Dictionary<string, Tensor> { ["loss"] = (lin.weight! * tensor(c.Select(v => (float)v).ToArray())).sum() });
        return Values(lin.weight!).Select(v => (double)v).ToArray();
    }

    static void AssertClose(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 5);
    }

    [Fact]
    public void Sgd_momentum_two_steps_match_hand_computation()
    {
        const double lr = 0.1, m = 0.9, wd = 0.01;
        var w = Train(Quick(2) with { LearningRate = lr, Momentum = m, WeightDecay = wd });

        // step 1: d1 = c + wd·w0, buf = d1, w1 = w0 − lr·buf; step 2: d2 = c + wd·w1, buf = m·d1 + d2, w2 = w1 − lr·buf
        var d1 = W0.Select((w0, i) => C[i] + wd * w0).ToArray();
        var w1 = W0.Select((w0, i) => w0 - lr * d1[i]).ToArray();
        var buf = w1.Select((v, i) => m * d1[i] + (C[i] + wd * v)).ToArray();
        var w2 = w1.Select((v, i) => v - lr * buf[i]).ToArray();
        AssertClose(w2, w);
    }

    [Fact]
    public void Sgd_nesterov_first_step_uses_gradient_plus_momentum_times_buffer()
    {
        const double lr = 0.05, m = 0.8;
        var w = Train(Quick(1) with { LearningRate = lr, Momentum = m, Nesterov = true });
        AssertClose(W0.Select((w0, i) => w0 - lr * (1 + m) * C[i]).ToArray(), w);
    }

    [Fact]
    public void AdamW_first_step_is_decoupled_decay_plus_lr_times_sign()
    {
        const double lr = 0.01, wd = 0.1, eps = 1e-8;
        var w = Train(Quick(1) with { Optimizer = OptimizerKind.AdamW, LearningRate = lr, WeightDecay = wd, AdamEpsilon = eps });
        // bias-corrected m̂ = c, v̂ = c², so the step is lr·c/(|c| + eps) after w *= 1 − lr·wd
        AssertClose(W0.Select((w0, i) => w0 * (1 - lr * wd) - lr * C[i] / (Math.Abs(C[i]) + eps)).ToArray(), w);
    }

    [Fact]
    public void Learning_rate_follows_the_schedule_each_step()
    {
        // momentum 0: w_T = w0 − Σ_s lr(s)·c, with a warm-up that changes lr every step
        var o = Quick(5) with { Momentum = 0, LearningRate = 0.1, WarmupSteps = 4, WarmupStartFactor = 0.2 };
        var schedule = new LearningRateSchedule(o);
        var sum = Enumerable.Range(0, 5).Sum(s => schedule.At(s));
        AssertClose(W0.Select((w0, i) => w0 - sum * C[i]).ToArray(), Train(o));
    }

    [Fact]
    public void Gradient_clipping_caps_the_global_norm()
    {
        double[] c = [30, 40, 0, 0]; // ‖c‖ = 50
        var clipped = Train(Quick(1) with { Momentum = 0, LearningRate = 1, MaxGradNorm = 5 }, c);
        var step = clipped.Select((v, i) => W0[i] - v).ToArray();
        Assert.Equal(5.0, Math.Sqrt(step.Sum(x => x * x)), 4);
        AssertClose([3, 4, 0, 0], step);

        var free = Train(Quick(1) with { Momentum = 0, LearningRate = 1 }, c);
        Assert.Equal(50.0, Math.Sqrt(free.Select((v, i) => (W0[i] - v) * (W0[i] - v)).Sum()), 3);

        var under = Train(Quick(1) with { Momentum = 0, LearningRate = 1, MaxGradNorm = 100 }, c);
        AssertClose(free, under);
    }
}
