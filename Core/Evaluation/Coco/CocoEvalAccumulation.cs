namespace Repro.Core.Evaluation.Coco;

/// <summary>
/// The accumulated precision/recall tables (pycocotools <c>eval['precision']</c> and <c>eval['recall']</c>).
/// Entries are −1 where the category has no non-ignored ground truth for that area range.
/// </summary>
public sealed class CocoEvalAccumulation
{
    public CocoEvalParams Params { get; }
    public IReadOnlyList<int> CategoryIds { get; }
    public IReadOnlyList<string> CategoryNames { get; }
    /// <summary>Flat [T, R, K, A, M] (numpy C order), see <see cref="Precision(int,int,int,int,int)"/>.</summary>
    public double[] PrecisionTable { get; }
    /// <summary>Flat [T, K, A, M], see <see cref="Recall(int,int,int,int)"/>.</summary>
    public double[] RecallTable { get; }

    internal CocoEvalAccumulation(CocoEvalParams p, int[] categoryIds, string[] categoryNames, double[] precision, double[] recall)
    {
        Params = p; CategoryIds = categoryIds; CategoryNames = categoryNames;
        PrecisionTable = precision; RecallTable = recall;
    }

    public int T => Params.IouThresholds.Length;
    public int R => Params.RecallThresholds.Length;
    public int K => CategoryIds.Count;
    public int A => Params.AreaRanges.Length;
    public int M => Params.MaxDets.Length;

    /// <summary>Interpolated precision at IoU threshold t, recall point r, category k, area range a, maxDets index m.</summary>
    public double Precision(int t, int r, int k, int a, int m) => PrecisionTable[PrecisionIndex(t, r, k, a, m)];
    /// <summary>Maximum recall reached at IoU threshold t, category k, area range a, maxDets index m.</summary>
    public double Recall(int t, int k, int a, int m) => RecallTable[RecallIndex(t, k, a, m)];

    internal int PrecisionIndex(int t, int r, int k, int a, int m) => (((t * R + r) * K + k) * A + a) * M + m;
    internal int RecallIndex(int t, int k, int a, int m) => ((t * K + k) * A + a) * M + m;
}
