namespace Repro.Core.Models.Detection;

/// <summary>
/// Greedy non-maximum suppression on plain arrays. Boxes are visited in priority order — descending score, ties broken
/// by ascending index, so the result is deterministic — and a box is dropped when its IoU with an already kept box
/// (of the same class, for the class-wise variant) exceeds the threshold. O(n²) worst case, no per-pair allocation.
/// </summary>
public static class Nms
{
    /// <summary>Indices sorted by descending score, ascending index at ties.</summary>
    public static int[] PriorityOrder(ReadOnlySpan<float> scores)
    {
        var order = new int[scores.Length];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        var s = scores.ToArray();
        Array.Sort(order, (a, b) => s[a] != s[b] ? s[b].CompareTo(s[a]) : a.CompareTo(b));
        return order;
    }

    /// <summary>Kept indices, in priority order, ignoring classes. <paramref name="boxes"/> holds 4 floats per box.</summary>
    public static int[] Greedy(ReadOnlySpan<float> boxes, ReadOnlySpan<float> scores, float iouThreshold)
    {
        Check(boxes, scores);
        var order = PriorityOrder(scores);
        return Suppress(boxes, order, iouThreshold).ToArray();
    }

    /// <summary>
    /// Class-wise NMS: boxes only suppress boxes of their own label. Returns kept indices in priority order, at most
    /// <paramref name="maxKeep"/> (≤ 0: no limit).
    /// </summary>
    public static int[] ClassWise(ReadOnlySpan<float> boxes, ReadOnlySpan<float> scores, ReadOnlySpan<int> labels, float iouThreshold, int maxKeep = 0)
    {
        Check(boxes, scores);
        if (labels.Length != scores.Length) throw new ArgumentException($"{labels.Length} labels for {scores.Length} scores", nameof(labels));
        var order = PriorityOrder(scores);
        var groups = new Dictionary<int, List<int>>();
        foreach (var i in order)
        {
            if (!groups.TryGetValue(labels[i], out var g)) groups[labels[i]] = g = new List<int>();
            g.Add(i);
        }
        var rank = new int[order.Length];
        for (int r = 0; r < order.Length; r++) rank[order[r]] = r;
        var kept = new List<int>();
        foreach (var g in groups.Values) kept.AddRange(Suppress(boxes, g.ToArray(), iouThreshold));
        kept.Sort((a, b) => rank[a].CompareTo(rank[b]));
        if (maxKeep > 0 && kept.Count > maxKeep) kept.RemoveRange(maxKeep, kept.Count - maxKeep);
        return kept.ToArray();
    }

    static List<int> Suppress(ReadOnlySpan<float> boxes, int[] order, float threshold)
    {
        int n = order.Length;
        var area = new float[n];
        for (int k = 0; k < n; k++)
        {
            int o = order[k] * 4;
            area[k] = Math.Max(0, boxes[o + 2] - boxes[o]) * Math.Max(0, boxes[o + 3] - boxes[o + 1]);
        }
        var suppressed = new bool[n];
        var kept = new List<int>();
        for (int k = 0; k < n; k++)
        {
            if (suppressed[k]) continue;
            kept.Add(order[k]);
            int a = order[k] * 4;
            float ax1 = boxes[a], ay1 = boxes[a + 1], ax2 = boxes[a + 2], ay2 = boxes[a + 3];
            for (int m = k + 1; m < n; m++)
            {
                if (suppressed[m]) continue;
                int b = order[m] * 4;
                float iw = Math.Min(ax2, boxes[b + 2]) - Math.Max(ax1, boxes[b]);
                if (iw <= 0) continue;
                float ih = Math.Min(ay2, boxes[b + 3]) - Math.Max(ay1, boxes[b + 1]);
                if (ih <= 0) continue;
                float inter = iw * ih;
                float union = area[k] + area[m] - inter;
                if (union > 0 && inter / union > threshold) suppressed[m] = true;
            }
        }
        return kept;
    }

    static void Check(ReadOnlySpan<float> boxes, ReadOnlySpan<float> scores)
    {
        if (boxes.Length != scores.Length * 4) throw new ArgumentException($"boxes has {boxes.Length} values, expected 4 × {scores.Length} scores");
    }
}
