using Repro.Core.Regimes.Segmentation;
using static TorchSharp.torch;

namespace Repro.Core.Tests.Regimes.Segmentation;

public class SegmentationLossMixTests : TorchTestBase
{
    static (float Loss, float Weight, float GradHuman, float GradPseudo) Step(SegmentationLossMix mix, float h, float p)
    {
        var th = tensor(h).requires_grad_();
        var tp = tensor(p).requires_grad_();
        var parts = mix.Combine(th, tp);
        parts["loss"].backward();
        return (parts["loss"].item<float>(), parts["pseudo_weight"].item<float>(), th.grad!.item<float>(), tp.grad!.item<float>());
    }

    [Fact]
    public void Normalized_loss_follows_the_running_means_by_hand()
    {
        // α = 0.5, τ = 2 steps (decay ½); (L_h, L_p) = (2, 4), (1, 2), (3, 1).
        // L̄ after each step: (2, 4) → (1.5, 3) → (2.25, 2); human weight 1/(1+α) = 2/3;
        // pseudo weight α·(L̄h/L̄p)/(1+α) = 1/6, 1/6, 0.375.
        using var mix = new SegmentationLossMix(alpha: 0.5, normalize: true, timeConstant: 2);
        var s1 = Step(mix, 2, 4);
        Assert.Equal(2f, s1.Loss, 5);               // ⅔·2 + ⅙·4
        Assert.Equal(1 / 6f, s1.Weight, 6);
        Assert.Equal(2 / 3f, s1.GradHuman, 6);
        var s2 = Step(mix, 1, 2);
        Assert.Equal(1f, s2.Loss, 5);               // ⅔·1 + ⅙·2
        var s3 = Step(mix, 3, 1);
        Assert.Equal(2.375f, s3.Loss, 5);           // ⅔·3 + 0.375·1
        Assert.Equal(0.375f, s3.GradPseudo, 5);     // the weights are constants for back-propagation
        Assert.Equal(2 / 3f, s3.GradHuman, 6);
        Assert.Equal((2.25, 2.0), mix.RunningMeans);
    }

    [Fact]
    public void Without_normalization_the_loss_is_the_human_loss_plus_alpha_times_the_pseudo_loss()
    {
        // The paper's ablation (the same rule as detection's LossNormalizer): L_h + α·L_p.
        using var mix = new SegmentationLossMix(alpha: 0.3, normalize: false);
        Assert.Equal(1 + 0.3f * 5, Step(mix, 1, 5).Loss, 5);
        Assert.Equal(2 + 0.3f * 7, Step(mix, 2, 7).Loss, 5);
    }

    [Fact]
    public void The_running_means_travel_in_the_state_dict_so_a_restored_mix_continues_identically()
    {
        using var a = new SegmentationLossMix(timeConstant: 10);
        Step(a, 2, 4); Step(a, 1.5f, 3);
        using var b = new SegmentationLossMix(timeConstant: 10);
        Assert.Equal(new[] { "running_human", "running_pseudo", "steps" }, b.state_dict().Keys.Order().ToArray());
        foreach (var (name, t) in a.state_dict()) using (no_grad()) b.state_dict()[name].copy_(t);
        Assert.Equal(Step(a, 1, 0.5f), Step(b, 1, 0.5f));
    }

    [Fact]
    public void An_all_ignored_pseudo_batch_keeps_the_loss_finite()
    {
        using var mix = new SegmentationLossMix();
        var s = Step(mix, 1.2f, 0f);
        Assert.True(float.IsFinite(s.Loss) && float.IsFinite(s.Weight));
        Assert.Equal(1.2f / 2, s.Loss, 5);           // α = 1: ½·L_h
    }
}
