using Repro.Core.Evaluation.Segmentation;
using TorchSharp;

namespace Repro.Core.Tests.Evaluation;

public class SegmentationMetricsTests : TorchTestBase
{
    // label:  0 0 1 1 2 255 255 1     (255 = ignore)
    // pred:   0 1 1 1 0   2   0 1
    // Counted pairs (label,pred): (0,0) (0,1) (1,1) (1,1) (2,0) (1,1).
    // Class 0: TP 1, FP 1 (the label-2 pixel), FN 1 → 1/3.  Class 1: TP 3, FP 1, FN 0 → 3/4.  Class 2: TP 0, FN 1 → 0.
    // Class 3 appears nowhere → NaN, excluded. mIoU = (1/3 + 3/4 + 0)/3 = 13/36. Pixel accuracy = 4/6.
    static readonly int[] Label = { 0, 0, 1, 1, 2, 255, 255, 1 };
    static readonly int[] Pred = { 0, 1, 1, 1, 0, 2, 0, 1 };

    static void AssertHandCase(SegmentationMetrics m)
    {
        Assert.Equal(1.0 / 3, m.ClassIou[0], 12);
        Assert.Equal(0.75, m.ClassIou[1], 12);
        Assert.Equal(0.0, m.ClassIou[2], 12);
        Assert.True(double.IsNaN(m.ClassIou[3]));
        Assert.Equal(13.0 / 36, m.MeanIou, 12);
        Assert.Equal(4.0 / 6, m.PixelAccuracy, 12);
        Assert.Equal(6, m.Pixels);
    }

    [Fact]
    public void Best_constant_predictor_scores_the_largest_class_share_over_the_classes_present()
    {
        // Counted labels of the hand case: 0 0 1 1 2 1 → class 1 holds 3 of 6 pixels, 3 classes occur.
        // Predicting 1 everywhere: IoU_1 = 3/6, IoU_0 = IoU_2 = 0, so mIoU = (1/2)/3 = 1/6, whatever was predicted.
        var cm = new ConfusionMatrix(4);
        cm.Add(Pred, Label);
        Assert.Equal(1.0 / 6, SegmentationMetrics.BestConstantMeanIou(cm), 12);
        // The same labels predicted as the constant itself score exactly that mIoU.
        var constant = new ConfusionMatrix(4);
        constant.Add(Label.Select(l => l == 255 ? 0 : 1).ToArray(), Label);
        Assert.Equal(SegmentationMetrics.From(constant).MeanIou, SegmentationMetrics.BestConstantMeanIou(constant), 12);
    }

    [Fact]
    public void Hand_made_confusion_case_with_ignore_pixels()
    {
        var cm = new ConfusionMatrix(4);
        cm.Add(Pred, Label);
        Assert.Equal(1, cm[0, 0]); Assert.Equal(1, cm[0, 1]); Assert.Equal(3, cm[1, 1]); Assert.Equal(1, cm[2, 0]);
        Assert.Equal(6, cm.Counts.Sum());
        AssertHandCase(cm.Metrics());
    }

    [Fact]
    public void Byte_and_tensor_inputs_agree_with_int_inputs()
    {
        var cm = new ConfusionMatrix(4);
        cm.Add(Pred.Select(v => (byte)v).ToArray(), Label.Select(v => (byte)v).ToArray());
        AssertHandCase(cm.Metrics());

        var ct = new ConfusionMatrix(4);
        using var p = torch.tensor(Pred.Select(v => (long)v).ToArray()).reshape(2, 4);
        using var l = torch.tensor(Label.Select(v => (byte)v).ToArray()).reshape(2, 4);
        ct.Add(p, l);
        AssertHandCase(ct.Metrics());
        Assert.Equal(2, p.shape[0]);   // inputs are left usable
        Assert.Equal(255, l[1, 1].ToInt32());

        // Already int32 on the CPU: the conversion is a no-op and must not dispose the caller's tensors.
        var c32 = new ConfusionMatrix(4);
        using var p32 = torch.tensor(Pred);
        using var l32 = torch.tensor(Label);
        c32.Add(p32, l32);
        AssertHandCase(c32.Metrics());
        Assert.Equal(255, l32[5].ToInt32());
        Assert.Equal(2, p32[5].ToInt32());
    }

    [Fact]
    public void Accumulating_two_halves_equals_one_pass()
    {
        var a = new ConfusionMatrix(4); a.Add(Pred.AsSpan(0, 3), Label.AsSpan(0, 3));
        var b = new ConfusionMatrix(4); b.Add(Pred.AsSpan(3), Label.AsSpan(3));
        a.Add(b);
        AssertHandCase(a.Metrics());
    }

    [Fact]
    public void Bad_inputs_name_the_argument_and_index()
    {
        var cm = new ConfusionMatrix(3);
        Assert.Contains("label[1] = 7", Assert.Throws<ArgumentException>(() => cm.Add(new[] { 0, 0 }, new[] { 0, 7 })).Message);
        Assert.Contains("prediction[0] = 3", Assert.Throws<ArgumentException>(() => cm.Add(new[] { 3 }, new[] { 1 })).Message);
        Assert.Throws<ArgumentException>(() => cm.Add(new[] { 0 }, new[] { 0, 1 }));
        Assert.Throws<ArgumentException>(() => new ConfusionMatrix(3, ignoreLabel: 2));
    }
}
