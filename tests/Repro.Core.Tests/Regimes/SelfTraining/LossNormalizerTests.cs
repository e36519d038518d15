using Repro.Core.Regimes.SelfTraining;

namespace Repro.Core.Tests.Regimes.SelfTraining;

public class LossNormalizerTests
{
    static readonly (double H, double P)[] Sequence = { (2.0, 8.0), (1.0, 4.0), (3.0, 2.0), (0.5, 1.0) };

    [Fact]
    public void Weight_is_alpha_times_the_ratio_of_hand_computed_running_means()
    {
        const double m = 0.9, alpha = 0.7;
        var n = new LossNormalizer(m, alpha);
        // By hand: the means start at the first step's values, then mean = 0.9·mean + 0.1·loss.
        double[] meanH = { 2.0, 1.9, 2.01, 1.859 };
        double[] meanP = { 8.0, 7.6, 7.04, 6.436 };
        for (int t = 0; t < Sequence.Length; t++)
        {
            var w = n.Update(Sequence[t].H, Sequence[t].P);
            Assert.Equal(meanH[t], n.Current!.MeanHuman, 12);
            Assert.Equal(meanP[t], n.Current!.MeanPseudo, 12);
            Assert.Equal(alpha * meanH[t] / meanP[t], w, 12);
        }
        // The combined loss of the last step, as the experiment forms it: L_h + w·L_p.
        Assert.Equal(0.5 + 0.7 * 1.859 / 6.436 * 1.0, 0.5 + n.Weight * 1.0, 12);
    }

    [Fact]
    public void Momentum_zero_uses_the_current_step_only()
    {
        var n = new LossNormalizer(0.0);
        foreach (var (h, p) in Sequence) Assert.Equal(h / p, n.Update(h, p), 12);
    }

    [Fact]
    public void Disabled_normalization_is_the_plain_sum_but_still_tracks_the_means()
    {
        var n = new LossNormalizer(0.5, alpha: 3.0, enabled: false);
        foreach (var (h, p) in Sequence) Assert.Equal(1.0, n.Update(h, p));
        // 2,8 → (1.5, 6) → (2.25, 4) → (1.375, 2.5)
        Assert.Equal(1.375, n.Current!.MeanHuman, 12);
        Assert.Equal(2.5, n.Current!.MeanPseudo, 12);
    }

    [Fact]
    public void Restoring_a_state_continues_exactly_like_an_uninterrupted_sequence()
    {
        var straight = new LossNormalizer(0.99, 1.5);
        var weights = Sequence.Select(s => straight.Update(s.H, s.P)).ToArray();

        var first = new LossNormalizer(0.99, 1.5);
        first.Update(Sequence[0].H, Sequence[0].P);
        first.Update(Sequence[1].H, Sequence[1].P);
        var resumed = new LossNormalizer(0.99, 1.5);
        resumed.Restore(first.Current);
        Assert.Equal(weights[2], resumed.Update(Sequence[2].H, Sequence[2].P));
        Assert.Equal(weights[3], resumed.Update(Sequence[3].H, Sequence[3].P));
    }

    [Fact]
    public void Before_any_update_or_with_a_zero_pseudo_mean_the_weight_is_alpha()
    {
        var n = new LossNormalizer(0.9, 2.0);
        Assert.Equal(2.0, n.Weight);
        Assert.Equal(2.0, n.Update(1.0, 0.0));
    }

    [Theory]
    [InlineData(1.0, 1.0)]
    [InlineData(-0.1, 1.0)]
    [InlineData(0.9, -1.0)]
    [InlineData(0.9, double.NaN)]
    public void Bad_settings_are_rejected(double momentum, double alpha) =>
        Assert.Throws<ArgumentException>(() => new LossNormalizer(momentum, alpha));

    [Fact]
    public void Non_finite_losses_are_rejected() =>
        Assert.Throws<ArgumentException>(() => new LossNormalizer(0.9).Update(double.NaN, 1));
}
