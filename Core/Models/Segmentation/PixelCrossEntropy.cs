using static TorchSharp.torch;

namespace Repro.Core.Models.Segmentation;

/// <summary>
/// Per-pixel softmax cross-entropy for semantic segmentation, averaged over the pixels whose label is not the ignore
/// label (255: VOC's boundary band, padding, and low-confidence pseudo-label pixels). A batch with no labelled pixel
/// gives a zero loss that still belongs to the graph (so such a batch is a no-op step, not an error).
/// </summary>
public static class PixelCrossEntropy
{
    public const int IgnoreLabel = 255;

    /// <param name="logits">[B, C, H, W] class scores.</param>
    /// <param name="labels">[B, H, W] integer class indices 0..C−1, or 255 to ignore; moved to the logits' device.</param>
    /// <exception cref="ArgumentException">Shapes disagree, or a label is neither a class index nor 255.</exception>
    public static Tensor Mean(Tensor logits, Tensor labels)
    {
        var (sum, count) = SumAndCount(logits, labels);
        return sum / count.clamp(min: 1);
    }

    /// <summary>The summed loss over labelled pixels and their number (float), for callers that weight batches themselves.</summary>
    public static (Tensor Sum, Tensor Count) SumAndCount(Tensor logits, Tensor labels)
    {
        if (logits.dim() != 4) throw new ArgumentException($"logits must be [B, C, H, W], got [{string.Join(",", logits.shape)}]", nameof(logits));
        if (labels.dim() != 3 || labels.shape[0] != logits.shape[0] || labels.shape[1] != logits.shape[2] || labels.shape[2] != logits.shape[3])
            throw new ArgumentException($"labels [{string.Join(",", labels.shape)}] do not match logits [{string.Join(",", logits.shape)}] (need [B, H, W])", nameof(labels));
        if (labels.is_floating_point()) throw new ArgumentException("labels must hold integer class indices", nameof(labels));
        using var scope = NewDisposeScope();
        var target = labels.to(ScalarType.Int64, logits.device);
        if (InjectedRegression.Is(InjectedRegression.SegmentationIgnoreDropped)) target = target.masked_fill(target == IgnoreLabel, 0);
        long c = logits.shape[1];
        var valid = target != IgnoreLabel;
        var bad = valid & ((target < 0) | (target >= c));
        if (bad.any().item<bool>())
        {
            long first = bad.flatten().nonzero()[0, 0].item<long>();
            long value = target.flatten()[first].item<long>();
            throw new ArgumentException($"label {value} at flat pixel {first} is neither a class index (0..{c - 1}) nor the ignore label {IgnoreLabel}", nameof(labels));
        }
        var perPixel = nn.functional.cross_entropy(logits, target, ignore_index: IgnoreLabel, reduction: nn.Reduction.None);
        return (perPixel.sum().MoveToOuterDisposeScope(), valid.sum().to(logits.dtype).MoveToOuterDisposeScope());
    }
}
