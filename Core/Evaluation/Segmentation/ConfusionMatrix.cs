using TorchSharp;

namespace Repro.Core.Evaluation.Segmentation;

/// <summary>
/// Pixel confusion matrix for semantic segmentation: Counts[label * NumClasses + prediction]. Pixels whose label is
/// <see cref="IgnoreLabel"/> (255 by default, the VOC boundary label) are skipped whatever was predicted.
/// </summary>
public sealed class ConfusionMatrix
{
    public int NumClasses { get; }
    public int IgnoreLabel { get; }
    /// <summary>Row = ground-truth class, column = predicted class.</summary>
    public long[] Counts { get; }

    public ConfusionMatrix(int numClasses, int ignoreLabel = 255)
    {
        if (numClasses < 1) throw new ArgumentException($"numClasses must be >= 1, got {numClasses}", nameof(numClasses));
        if (ignoreLabel >= 0 && ignoreLabel < numClasses)
            throw new ArgumentException($"ignoreLabel {ignoreLabel} collides with a class index (0..{numClasses - 1})", nameof(ignoreLabel));
        NumClasses = numClasses; IgnoreLabel = ignoreLabel;
        Counts = new long[numClasses * numClasses];
    }

    public long this[int label, int prediction] => Counts[label * NumClasses + prediction];

    /// <summary>Adds one image (or batch) of class indices; both spans hold one value per pixel.</summary>
    public void Add(ReadOnlySpan<byte> prediction, ReadOnlySpan<byte> label) => AddPixels(prediction, label);

    /// <inheritdoc cref="Add(ReadOnlySpan{byte}, ReadOnlySpan{byte})"/>
    public void Add(ReadOnlySpan<int> prediction, ReadOnlySpan<int> label) => AddPixels(prediction, label);

    void AddPixels<T>(ReadOnlySpan<T> prediction, ReadOnlySpan<T> label) where T : System.Numerics.IBinaryInteger<T>
    {
        CheckLengths(prediction.Length, label.Length);
        int c = NumClasses;
        for (int i = 0; i < label.Length; i++)
        {
            int l = int.CreateTruncating(label[i]);
            if (l == IgnoreLabel) continue;
            int p = int.CreateTruncating(prediction[i]);
            if ((uint)l >= (uint)c) throw BadLabel(i, l);
            if ((uint)p >= (uint)c) throw BadPrediction(i, p);
            Counts[l * c + p]++;
        }
    }

    /// <summary>Adds integer class-index tensors of equal shape (any integer dtype, any device).</summary>
    public void Add(torch.Tensor prediction, torch.Tensor label)
    {
        Repro.Core.Native.TorchNativeLoader.EnsureLoaded();
        if (!prediction.shape.SequenceEqual(label.shape))
            throw new ArgumentException($"prediction shape [{string.Join(",", prediction.shape)}] differs from label shape [{string.Join(",", label.shape)}]", nameof(prediction));
        if (prediction.is_floating_point() || label.is_floating_point())
            throw new ArgumentException("prediction and label tensors must hold integer class indices", nameof(prediction));
        using var scope = torch.NewDisposeScope();
        var p = prediction.to(torch.int32, torch.CPU).contiguous().data<int>().ToArray();
        var l = label.to(torch.int32, torch.CPU).contiguous().data<int>().ToArray();
        Add(p, l);
    }

    /// <summary>Adds all counts of another matrix with the same classes.</summary>
    public void Add(ConfusionMatrix other)
    {
        if (other.NumClasses != NumClasses) throw new ArgumentException($"class count {other.NumClasses} differs from {NumClasses}", nameof(other));
        for (int i = 0; i < Counts.Length; i++) Counts[i] += other.Counts[i];
    }

    /// <summary>Per-class IoU, mIoU and pixel accuracy of the accumulated counts.</summary>
    public SegmentationMetrics Metrics() => SegmentationMetrics.From(this);

    void CheckLengths(int p, int l)
    {
        if (p != l) throw new ArgumentException($"prediction has {p} pixels but label has {l}", "prediction");
    }

    ArgumentException BadLabel(int i, int l) =>
        new($"label[{i}] = {l} is neither a class index (0..{NumClasses - 1}) nor the ignore label {IgnoreLabel}", "label");

    ArgumentException BadPrediction(int i, int p) =>
        new($"prediction[{i}] = {p} is not a class index (0..{NumClasses - 1})", "prediction");
}
