namespace Repro.Core.Evaluation.Coco;

/// <summary>
/// A sort key (negated score, position). Ordering by both reproduces numpy's stable argsort(-score, kind='mergesort'):
/// equal scores keep their original order.
/// </summary>
internal readonly struct ScoredIndex : IComparable<ScoredIndex>
{
    public readonly double NegScore;
    public readonly int Index;

    public ScoredIndex(double negScore, int index) { NegScore = negScore; Index = index; }

    public int CompareTo(ScoredIndex other)
    {
        // Scores are validated finite, so < and > are a total order (and -0.0 equals 0.0 as in numpy).
        if (NegScore < other.NegScore) return -1;
        if (NegScore > other.NegScore) return 1;
        return Index.CompareTo(other.Index);
    }

    /// <summary>Sorts by (NegScore, Index); insertion sort for the small per-image groups.</summary>
    public static void StableSort(Span<ScoredIndex> items)
    {
        if (items.Length > 24) { items.Sort(); return; }   // Index makes every key unique, so any sort is stable
        for (int i = 1; i < items.Length; i++)
        {
            var x = items[i];
            int j = i - 1;
            while (j >= 0 && items[j].CompareTo(x) > 0) { items[j + 1] = items[j]; j--; }
            items[j + 1] = x;
        }
    }
}
