using Repro.Core.Regimes.SelfTraining;
using Repro.Core.Training;
using static TorchSharp.torch;

namespace Repro.Core.Tests.Regimes.SelfTraining;

public class NormalizedLossMixTests : TorchTestBase
{
    sealed record Step(double Loss, LossNormalizer.Weights Weights, double GradHuman, double GradPseudo);

    // Float64 losses, so the results can be compared with the closed formula to the last bits.
    static Step Combine(NormalizedLossMix mix, double h, double p)
    {
        var th = tensor(h).requires_grad_();
        var tp = tensor(p).requires_grad_();
        var (loss, weights) = mix.Combine(th, tp);
        loss.backward();
        return new Step(loss.item<double>(), weights, th.grad!.item<double>(), tp.grad!.item<double>());
    }

    static readonly (double H, double P)[] Sequence = { (2, 4), (1, 2), (3, 1), (0.5, 2.5), (1.5, 0.25) };

    [Fact]
    public void The_first_steps_follow_the_closed_formula_by_hand()
    {
        // α = 0.5, τ = 2 steps (decay ½); (L_h, L_p) = (2, 4), (1, 2), (3, 1).
        // L̄ after each step: (2, 4) → (1.5, 3) → (2.25, 2), so L̄h/L̄p = ½, ½, 1.125 and
        // L̂ = 1/(1+α)·(L_h + α·(L̄h/L̄p)·L_p) = ⅔·(2 + ¼·4) = 2, ⅔·(1 + ¼·2) = 1, ⅔·(3 + 0.5625·1) = 2.375.
        using var mix = new NormalizedLossMix(timeConstant: 2, alpha: 0.5);
        Assert.Equal(new LossNormalizer.State(0, 0), mix.Means);
        double[] expected = { 2, 1, 2.375 };
        double[] ratio = { 0.5, 0.5, 1.125 };
        (double, double)[] means = { (2, 4), (1.5, 3), (2.25, 2) };
        for (int t = 0; t < 3; t++)
        {
            var s = Combine(mix, Sequence[t].H, Sequence[t].P);
            Assert.Equal(expected[t], s.Loss, 14);
            Assert.Equal(means[t], (mix.Means.MeanHuman, mix.Means.MeanPseudo));
            // The weights are constants for back-propagation: the gradients are the weights themselves.
            Assert.Equal(2 / 3.0, s.Weights.Human, 15);
            Assert.Equal(0.5 * ratio[t] / 1.5, s.Weights.Pseudo, 15);
            Assert.Equal((s.Weights.Human, s.Weights.Pseudo), (s.GradHuman, s.GradPseudo));
        }
    }

    [Fact]
    public void Without_normalization_the_loss_is_the_human_loss_plus_alpha_times_the_pseudo_loss()
    {
        using var mix = new NormalizedLossMix(timeConstant: 2, alpha: 0.3, enabled: false);
        foreach (var (h, p) in Sequence)
        {
            var s = Combine(mix, h, p);
            Assert.Equal(h + 0.3 * p, s.Loss, 14);
            Assert.Equal(new LossNormalizer.Weights(1, 0.3), s.Weights);
        }
        // The means are still tracked (for the logs).
        Assert.NotEqual(new LossNormalizer.State(0, 0), mix.Means);
    }

    [Fact]
    public void A_mix_restored_from_its_state_dict_continues_with_the_same_weights_as_an_uninterrupted_one()
    {
        using var straight = new NormalizedLossMix(timeConstant: 3, alpha: 2);
        var expected = Sequence.Select(x => Combine(straight, x.H, x.P)).ToList();

        using var first = new NormalizedLossMix(timeConstant: 3, alpha: 2);
        foreach (var (h, p) in Sequence.Take(2)) Combine(first, h, p);
        using var resumed = new NormalizedLossMix(timeConstant: 3, alpha: 2);
        Assert.Equal(new[] { "running_human", "running_pseudo", "steps" }, resumed.state_dict().Keys.Order().ToArray());
        Assert.Equal(ScalarType.Float64, resumed.state_dict()["running_human"].dtype);   // the means exactly, as doubles
        StateDictIO.Load(resumed, first.state_dict());
        Assert.Equal(expected.Skip(2), Sequence.Skip(2).Select(x => Combine(resumed, x.H, x.P)));
        Assert.Equal(straight.Means, resumed.Means);

        // Without the state, the same steps are weighted otherwise (the restore is what makes them equal).
        using var fresh = new NormalizedLossMix(timeConstant: 3, alpha: 2);
        Assert.NotEqual(expected[2].Weights, Combine(fresh, Sequence[2].H, Sequence[2].P).Weights);
    }

    [Fact]
    public void Non_finite_losses_leave_the_means_untouched_for_the_trainer_to_report()
    {
        using var mix = new NormalizedLossMix(timeConstant: 2, alpha: 0.5);
        using var reference = new NormalizedLossMix(timeConstant: 2, alpha: 0.5);
        Combine(mix, 2, 4); Combine(reference, 2, 4);
        var (loss, weights) = mix.Combine(tensor(double.NaN), tensor(1.0));
        Assert.True(double.IsNaN(loss.item<double>()));
        Assert.Equal(new LossNormalizer.Weights(1, 1), weights);
        Assert.Equal(reference.Means, mix.Means);
        Assert.Equal(Combine(reference, 1, 2), Combine(mix, 1, 2));
    }

    [Fact]
    public void A_zero_pseudo_loss_keeps_the_loss_finite()
    {
        // e.g. a pseudo batch whose pixels are all ignored: L̄p = 0, and the ratio is taken as 1.
        using var mix = new NormalizedLossMix(timeConstant: 100);
        var s = Combine(mix, 1.2, 0);
        Assert.Equal(0.6, s.Loss, 15);   // α = 1: ½·L_h
        Assert.Equal(new LossNormalizer.Weights(0.5, 0.5), s.Weights);
    }
}
