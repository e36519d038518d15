using Repro.Core.Data.Coco;

namespace Repro.Core.Evaluation.Coco;

/// <summary>
/// Ground truths and detections regrouped into flat arrays by (category, image), the unit pycocotools evaluates.
/// Groups are ordered category-major then by ascending image id; inside a group ground truths keep file order and
/// detections are stable-sorted by descending score and truncated to the largest maxDet. Detections of one category
/// are therefore contiguous and in pycocotools' concatenation order (image id ascending, then per-image rank).
/// </summary>
internal sealed class CocoEvalInput
{
    public long[] ImageIds = Array.Empty<long>();
    public int[] CategoryIds = Array.Empty<int>();
    public string[] CategoryNames = Array.Empty<string>();

    // Ground truths, in group order.
    public double[] GtBox = Array.Empty<double>();   // x, y, w, h per ground truth (4 doubles)
    public double[] GtArea = Array.Empty<double>();  // the annotation's `area` field
    public bool[] GtCrowd = Array.Empty<bool>();
    /// <summary>pycocotools records a match as the GT's id; an id of 0 reads as "unmatched" in accumulate().</summary>
    public bool[] GtIdIsZero = Array.Empty<bool>();
    public int[] GtSource = Array.Empty<int>();      // index into the dataset's annotation list

    // Detections, in group order (each group score-sorted and truncated).
    public double[] DetBox = Array.Empty<double>();
    public double[] DetArea = Array.Empty<double>(); // w·h, as pycocotools' loadRes sets it
    public double[] DetScore = Array.Empty<double>();
    public int[] DetRank = Array.Empty<int>();       // 0-based position within its (image, category) group
    public int[] DetSource = Array.Empty<int>();     // index into the results list

    // Non-empty groups.
    public int GroupCount;
    public int[] GroupCategory = Array.Empty<int>();
    public int[] GroupGtStart = Array.Empty<int>(), GroupGtCount = Array.Empty<int>();
    public int[] GroupDetStart = Array.Empty<int>(), GroupDetCount = Array.Empty<int>();
    /// <summary>Per category: the range [CategoryDetStart[k], CategoryDetStart[k+1]) of its detections.</summary>
    public int[] CategoryDetStart = Array.Empty<int>();

    public int MaxGroupDets, MaxGroupGts, MaxCategoryDets;

    /// <summary>Builds the grouped arrays. Inputs must already be validated (known ids, finite boxes).</summary>
    public static CocoEvalInput Build(CocoDataset gt, IReadOnlyList<CocoResult> results, int maxDet) =>
        CocoEvalInputBuilder.Build(gt, results, maxDet);
}
