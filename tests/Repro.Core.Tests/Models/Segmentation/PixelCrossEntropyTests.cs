using Repro.Core.Models.Segmentation;
using static TorchSharp.torch;

namespace Repro.Core.Tests.Models.Segmentation;

public class PixelCrossEntropyTests : TorchTestBase
{
    // Hand oracle: -log softmax(z)[y] = log Σ exp z − z_y.
    static double Ce(double[] z, int y) => Math.Log(z.Sum(Math.Exp)) - z[y];

    [Fact]
    public void Matches_the_hand_formula_and_averages_over_labelled_pixels_only()
    {
        // B=1, C=3, H=1, W=3: pixel logits and labels [2, 255, 0].
        double[][] z = { new[] { 1.0, -0.5, 2.0 }, new[] { 9.0, 0.0, -9.0 }, new[] { 0.3, 0.2, 0.1 } };
        var logits = tensor(new float[] { 1f, 9f, 0.3f, -0.5f, 0f, 0.2f, 2f, -9f, 0.1f }, new long[] { 1, 3, 1, 3 });
        var labels = tensor(new long[] { 2, 255, 0 }, new long[] { 1, 1, 3 });
        double expected = (Ce(z[0], 2) + Ce(z[2], 0)) / 2;
        Assert.Equal(expected, PixelCrossEntropy.Mean(logits, labels).item<float>(), 5);
        var (sum, count) = PixelCrossEntropy.SumAndCount(logits, labels);
        Assert.Equal(2f, count.item<float>());
        Assert.Equal(expected * 2, sum.item<float>(), 5);
    }

    [Fact]
    public void Ignored_pixels_neither_change_the_loss_nor_receive_gradient()
    {
        manual_seed(5);
        var labels = randint(0, 4, new long[] { 2, 6, 7 });
        var ignore = rand(2, 6, 7) < 0.4;
        labels = labels.masked_fill(ignore, 255);
        var a = randn(2, 4, 6, 7).requires_grad_();
        var la = PixelCrossEntropy.Mean(a, labels);
        la.backward();
        // Change only the ignored pixels' logits (wildly): the loss must not move.
        var b = a.detach().clone().masked_scatter(ignore.unsqueeze(1).expand(2, 4, 6, 7), randn(2, 4, 6, 7) * 100);
        Assert.False(b.eq(a.detach()).all().item<bool>());
        Assert.Equal(la.item<float>(), PixelCrossEntropy.Mean(b, labels).item<float>());
        var gradAtIgnored = a.grad!.masked_select(ignore.unsqueeze(1).expand(2, 4, 6, 7));
        Assert.Equal(0f, gradAtIgnored.abs().max().item<float>());
    }

    [Fact]
    public void A_batch_with_no_labelled_pixel_gives_zero_loss_and_zero_gradient()
    {
        var a = randn(1, 3, 4, 4).requires_grad_();
        var loss = PixelCrossEntropy.Mean(a, full(new long[] { 1, 4, 4 }, 255L));
        Assert.Equal(0f, loss.item<float>());
        loss.backward();
        Assert.Equal(0f, a.grad!.abs().max().item<float>());
    }

    [Fact]
    public void A_label_outside_the_classes_is_an_error_naming_it()
    {
        var e = Assert.Throws<ArgumentException>(() => PixelCrossEntropy.Mean(randn(1, 3, 1, 2), tensor(new long[] { 1, 7 }, new long[] { 1, 1, 2 })));
        Assert.Contains("label 7", e.Message);
        Assert.Throws<ArgumentException>(() => PixelCrossEntropy.Mean(randn(1, 3, 2, 2), zeros(1, 2, 3, ScalarType.Int64)));
    }
}
