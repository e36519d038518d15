using static TorchSharp.torch;

namespace Repro.Core.Models.Detection;

/// <summary>
/// Assigns anchors to ground-truth boxes from their IoU matrix: an anchor whose best IoU is ≥ the positive threshold is
/// matched to that box; below the negative threshold it is background (<see cref="Negative"/>); in between it is
/// ignored (<see cref="Ignore"/>). With low-quality matches allowed, every anchor that attains some box's highest IoU
/// (&gt; 0) becomes positive too, matched to its own best box (as torchvision and detectron2 do), so no box that
/// overlaps any anchor goes unmatched.
/// </summary>
public sealed class Matcher
{
    public const long Negative = -1;
    public const long Ignore = -2;

    public Matcher(double positiveThreshold = 0.5, double negativeThreshold = 0.4, bool allowLowQualityMatches = true)
    {
        if (negativeThreshold > positiveThreshold)
            throw new ArgumentException($"matcher negative threshold {negativeThreshold} exceeds positive threshold {positiveThreshold}");
        if (positiveThreshold is <= 0 or > 1) throw new ArgumentException($"matcher positive threshold must be in (0, 1], got {positiveThreshold}");
        (PositiveThreshold, NegativeThreshold, AllowLowQualityMatches) = (positiveThreshold, negativeThreshold, allowLowQualityMatches);
    }

    public double PositiveThreshold { get; }
    public double NegativeThreshold { get; }
    public bool AllowLowQualityMatches { get; }

    /// <summary>
    /// For an IoU matrix [G boxes, A anchors] — or a batch of them [B, G, A] — the matched box index per anchor
    /// ([A] or [B, A], int64), or <see cref="Negative"/> / <see cref="Ignore"/>. With G = 0 every anchor is negative.
    /// Entries below 0 (padding rows of a batch) never match.
    /// </summary>
    public Tensor Match(Tensor iou)
    {
        if (iou.dim() is not (2 or 3)) throw new ArgumentException($"IoU matrix must be [boxes, anchors] or [batch, boxes, anchors], got {iou.dim()}-D", nameof(iou));
        if (iou.shape[^2] == 0)
        {
            var shape = iou.shape.Where((_, i) => i != iou.dim() - 2).ToArray();
            return full(shape, Negative, dtype: ScalarType.Int64, device: iou.device);
        }
        using var scope = NewDisposeScope();
        var (best, bestBox) = iou.max(-2);
        var matches = bestBox.clone();
        matches.masked_fill_(best < NegativeThreshold, Negative);
        matches.masked_fill_((best >= NegativeThreshold).logical_and(best < PositiveThreshold), Ignore);
        if (AllowLowQualityMatches)
        {
            var perBox = iou.amax(new long[] { -1 }, keepdim: true);
            var attains = iou.eq(perBox).logical_and(perBox > 0).any(-2);
            matches = where(attains, bestBox, matches);
        }
        return matches.MoveToOuterDisposeScope();
    }
}
