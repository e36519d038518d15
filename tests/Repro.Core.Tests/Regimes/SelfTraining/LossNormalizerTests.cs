using Repro.Core.Regimes.SelfTraining;

namespace Repro.Core.Tests.Regimes.SelfTraining;

public class LossNormalizerTests
{
    static readonly (double H, double P)[] Sequence = { (2.0, 8.0), (1.0, 4.0), (3.0, 2.0), (0.5, 1.0) };

    [Fact]
    public void Weights_are_the_papers_formula_with_its_one_over_one_plus_alpha_on_hand_computed_running_means()
    {
        // τ = 10 steps → decay 0.9; α = 3 (≠ 1, so the 1/(1+α) factor and α's place both show).
        const double tau = 10, alpha = 3;
        var n = new LossNormalizer(tau, alpha);
        Assert.Equal(0.9, n.Decay, 15);
        // By hand: the means start at the first step's values, then mean = 0.9·mean + 0.1·loss.
        double[] meanH = { 2.0, 1.9, 2.01, 1.859 };
        double[] meanP = { 8.0, 7.6, 7.04, 6.436 };
        for (int t = 0; t < Sequence.Length; t++)
        {
            var w = n.Update(Sequence[t].H, Sequence[t].P);
            Assert.Equal(meanH[t], n.Current!.MeanHuman, 12);
            Assert.Equal(meanP[t], n.Current!.MeanPseudo, 12);
            Assert.Equal(0.25, w.Human, 15);                              // 1/(1+3)
            Assert.Equal(3 * meanH[t] / meanP[t] / 4, w.Pseudo, 12);      // α·(L̄h/L̄p)/(1+α)
        }
        // L̂ of the last step, (L_h, L_p) = (0.5, 1.0): ¼·(0.5 + 3·(1.859/6.436)·1.0) = 0.341633...
        var last = n.CurrentWeights;
        Assert.Equal(0.3416330018645121, last.Human * 0.5 + last.Pseudo * 1.0, 12);
    }

    [Fact]
    public void A_time_constant_of_one_step_uses_the_current_step_only()
    {
        var n = new LossNormalizer(1.0, alpha: 1.0);
        foreach (var (h, p) in Sequence) Assert.Equal(new LossNormalizer.Weights(0.5, 0.5 * h / p), n.Update(h, p));
    }

    [Fact]
    public void The_ablation_is_the_human_loss_plus_alpha_times_the_pseudo_loss_and_still_tracks_the_means()
    {
        var n = new LossNormalizer(2.0, alpha: 3.0, enabled: false);
        foreach (var (h, p) in Sequence) Assert.Equal(new LossNormalizer.Weights(1, 3), n.Update(h, p));
        // τ = 2 → decay ½: 2,8 → (1.5, 6) → (2.25, 4) → (1.375, 2.5)
        Assert.Equal(1.375, n.Current!.MeanHuman, 12);
        Assert.Equal(2.5, n.Current!.MeanPseudo, 12);
    }

    [Fact]
    public void The_papers_decay_is_a_time_constant_of_about_3333_steps()
    {
        Assert.Equal(1 / 0.0003, LossNormalizer.TimeConstantOfDecay(0.9997), 6);
        Assert.Equal(0.9997, new LossNormalizer(LossNormalizer.TimeConstantOfDecay(0.9997)).Decay, 12);
        Assert.Throws<ArgumentException>(() => LossNormalizer.TimeConstantOfDecay(1.0));
    }

    [Fact]
    public void Restoring_a_state_continues_exactly_like_an_uninterrupted_sequence()
    {
        var straight = new LossNormalizer(100, 1.5);
        var weights = Sequence.Select(s => straight.Update(s.H, s.P)).ToArray();

        var first = new LossNormalizer(100, 1.5);
        first.Update(Sequence[0].H, Sequence[0].P);
        first.Update(Sequence[1].H, Sequence[1].P);
        var resumed = new LossNormalizer(100, 1.5);
        resumed.Restore(first.Current);
        Assert.Equal(weights[2], resumed.Update(Sequence[2].H, Sequence[2].P));
        Assert.Equal(weights[3], resumed.Update(Sequence[3].H, Sequence[3].P));
    }

    [Fact]
    public void Before_any_update_or_with_a_zero_pseudo_mean_the_ratio_is_one()
    {
        var n = new LossNormalizer(10, 2.0);
        Assert.Equal(new LossNormalizer.Weights(1 / 3.0, 2 / 3.0), n.CurrentWeights);
        Assert.Equal(new LossNormalizer.Weights(1 / 3.0, 2 / 3.0), n.Update(1.0, 0.0));
    }

    [Theory]
    [InlineData(0.99, 1.0)]
    [InlineData(0.0, 1.0)]
    [InlineData(double.PositiveInfinity, 1.0)]
    [InlineData(10, -1.0)]
    [InlineData(10, double.NaN)]
    public void Bad_settings_are_rejected(double timeConstant, double alpha) =>
        Assert.Throws<ArgumentException>(() => new LossNormalizer(timeConstant, alpha));

    [Fact]
    public void Non_finite_losses_are_rejected() =>
        Assert.Throws<ArgumentException>(() => new LossNormalizer(10).Update(double.NaN, 1));
}
