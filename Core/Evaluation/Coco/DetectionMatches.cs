namespace Repro.Core.Evaluation.Coco;

/// <summary>
/// Outcome of per-image greedy matching (pycocotools evaluateImg) for every detection, area range and IoU threshold,
/// as bit masks over thresholds (bit t = threshold t). A detection counts as a true positive when its TP bit is set,
/// is skipped when its ignore bit is set, and is a false positive otherwise.
/// </summary>
internal sealed class DetectionMatches
{
    /// <summary>[area][detection] true-positive bits (matched a non-ignored ground truth with non-zero id).</summary>
    public required ulong[][] TruePositive { get; init; }
    /// <summary>[area][detection] ignore bits (matched an ignored ground truth, or unmatched and outside the area range).</summary>
    public required ulong[][] Ignored { get; init; }
    /// <summary>[area * K + category] number of non-ignored ground truths ("npig").</summary>
    public required long[] NonIgnoredGts { get; init; }
}
