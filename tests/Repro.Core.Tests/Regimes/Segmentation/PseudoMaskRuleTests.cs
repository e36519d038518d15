using Repro.Core.Regimes.Segmentation;
using static TorchSharp.torch;

namespace Repro.Core.Tests.Regimes.Segmentation;

public class PseudoMaskRuleTests : TorchTestBase
{
    [Fact]
    public void Pixels_below_the_threshold_become_255_and_the_others_their_arg_max()
    {
        // [C=3, H=1, W=4]; pixel columns: (0.7,0.2,0.1) (0.4,0.35,0.25) (0.1,0.5,0.4) (0.2,0.2,0.6)
        var probs = tensor(new float[] { 0.7f, 0.4f, 0.1f, 0.2f, 0.2f, 0.35f, 0.5f, 0.2f, 0.1f, 0.25f, 0.4f, 0.6f }, new long[] { 3, 1, 4 });
        var (mask, argMax) = PseudoMaskRule.Apply(probs, 0.5);
        Assert.Equal(new byte[] { 0, 255, 1, 2 }, mask);      // 0.5 itself is confident enough
        Assert.Equal(new byte[] { 0, 0, 1, 2 }, argMax);
        Assert.Equal(new byte[] { 0, 0, 1, 2 }, PseudoMaskRule.Apply(probs, 0).Mask);
        Assert.Equal(new byte[] { 255, 255, 255, 255 }, PseudoMaskRule.Apply(probs, 0.71).Mask);
    }

    [Fact]
    public void Random_probabilities_follow_the_rule_pixel_by_pixel()
    {
        manual_seed(3);
        var probs = nn.functional.softmax(randn(5, 9, 11) * 2, 0);
        var p = probs.data<float>().ToArray();
        foreach (var t in new[] { 0.0, 0.3, 0.6, 1.0 })
        {
            var (mask, _) = PseudoMaskRule.Apply(probs, t);
            for (int i = 0; i < 99; i++)
            {
                int best = 0;
                for (int c = 1; c < 5; c++) if (p[c * 99 + i] > p[best * 99 + i]) best = c;
                byte expected = p[best * 99 + i] >= (float)t ? (byte)best : (byte)255;
                Assert.Equal(expected, mask[i]);
            }
        }
    }

    [Fact]
    public void Bad_inputs_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => PseudoMaskRule.Apply(rand(3, 4), 0.5));
        Assert.Throws<ArgumentException>(() => PseudoMaskRule.Apply(rand(2, 2, 2), 1.5));
    }
}
