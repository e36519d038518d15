using System.Runtime.CompilerServices;

namespace Repro.Core.Evaluation.Coco;

/// <summary>
/// pycocotools' accumulate(): per category, the detections of all images (concatenated in image-id order, each
/// image's first maxDet) are stable-sorted by score; cumulative TP/FP counts give recall = tp/npig and
/// precision = tp/(tp+fp+eps); precision is made non-increasing by a backward sweep and sampled at each recall point
/// with a left-sided search (first index whose recall ≥ the point); points beyond the maximum recall stay 0.
/// </summary>
/// <remarks>
/// Only the true-positive positions are materialised. This is exact, not an approximation: recall rises only at a
/// true positive, so every sampled index (the first reaching a recall point) is one; and precision rises only at a
/// true positive, so the backward maximum from any index is the maximum over the true positives at or after it.
/// Positions before the first true positive have precision 0, which never raises a maximum.
/// </remarks>
internal static class PrecisionRecallAccumulator
{
    /// <summary>numpy's spacing(1): the gap between 1.0 and the next double.</summary>
    const double Eps = 2.220446049250313e-16;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static CocoEvalAccumulation Accumulate(CocoEvalInput input, DetectionMatches matches, CocoEvalParams p)
    {
        int T = p.IouThresholds.Length, R = p.RecallThresholds.Length, K = input.CategoryIds.Length;
        int A = p.AreaRanges.Length, M = p.MaxDets.Length;
        var precision = new double[T * R * K * A * M];
        var recall = new double[T * K * A * M];
        Array.Fill(precision, -1.0);
        Array.Fill(recall, -1.0);
        var acc = new CocoEvalAccumulation(p, input.CategoryIds, input.CategoryNames, precision, recall);

        int cap = Math.Max(1, input.MaxCategoryDets);
        var keys = new double[cap];
        var order = new int[cap];
        var kept = new int[cap];            // detections (input index) kept for the current maxDet, in score order
        var eventRc = new double[T * cap];  // per threshold: recall and precision at each true positive
        var eventPr = new double[T * cap];
        var events = new int[T];
        var tpCount = new long[T];
        var fpExtra = new long[T];
        var recThr = p.RecallThresholds;

        for (int k = 0; k < K; k++)
        {
            int start = input.CategoryDetStart[k], n = input.CategoryDetStart[k + 1] - start;
            SortByScoreStable(input.DetScore, start, n, keys, order);

            int previousKept = -1;
            for (int m = 0; m < M; m++)
            {
                // Truncating every image to its first maxDet keeps a subsequence, so the stable order is preserved.
                int maxDet = p.MaxDets[m], nk = 0;
                for (int i = 0; i < n; i++)
                {
                    int d = order[i];
                    if (input.DetRank[d] < maxDet) kept[nk++] = d;
                }
                if (nk == previousKept)
                {
                    // Same detections as the smaller maxDets (no image holds more): same tables.
                    for (int a = 0; a < A; a++)
                        for (int t = 0; t < T; t++)
                        {
                            recall[acc.RecallIndex(t, k, a, m)] = recall[acc.RecallIndex(t, k, a, m - 1)];
                            for (int r = 0; r < R; r++)
                                precision[acc.PrecisionIndex(t, r, k, a, m)] = precision[acc.PrecisionIndex(t, r, k, a, m - 1)];
                        }
                    continue;
                }
                previousKept = nk;

                for (int a = 0; a < A; a++)
                {
                    long npig = matches.NonIgnoredGts[a * K + k];
                    if (npig == 0) continue;
                    var tpA = matches.TruePositive[a]; var igA = matches.Ignored[a];
                    Array.Clear(events); Array.Clear(tpCount); Array.Clear(fpExtra);
                    long fpAll = 0;   // detections that are false positives at every threshold
                    for (int i = 0; i < nk; i++)
                    {
                        int d = kept[i];
                        ulong tb = tpA[d], ib = igA[d];
                        if ((tb | ib) == 0) { fpAll++; continue; }
                        for (int t = 0; t < T; t++)
                        {
                            ulong bit = 1UL << t;
                            if ((ib & bit) != 0) continue;
                            if ((tb & bit) == 0) { fpExtra[t]++; continue; }
                            double tp = ++tpCount[t], fp = fpAll + fpExtra[t];
                            int e = t * cap + events[t]++;
                            eventRc[e] = tp / npig;
                            eventPr[e] = tp / (fp + tp + Eps);
                        }
                    }
                    for (int t = 0; t < T; t++)
                    {
                        int c = events[t], o = t * cap;
                        recall[acc.RecallIndex(t, k, a, m)] = c > 0 ? eventRc[o + c - 1] : 0;
                        for (int i = o + c - 1; i > o; i--) if (eventPr[i] > eventPr[i - 1]) eventPr[i - 1] = eventPr[i];
                        int j = 0;
                        for (int r = 0; r < R; r++)
                        {
                            while (j < c && eventRc[o + j] < recThr[r]) j++;
                            precision[acc.PrecisionIndex(t, r, k, a, m)] = j < c ? eventPr[o + j] : 0;
                        }
                    }
                }
            }
        }
        return acc;
    }

    /// <summary>
    /// order[0..n) = detections start..start+n−1 by descending score, equal scores in index order (numpy's stable
    /// argsort). Sorts (−score, index) pairs with the fast primitive-key sort, then restores index order inside each
    /// run of equal scores.
    /// </summary>
    static void SortByScoreStable(double[] scores, int start, int n, double[] keys, int[] order)
    {
        for (int i = 0; i < n; i++) { keys[i] = -scores[start + i]; order[i] = start + i; }
        Array.Sort(keys, order, 0, n);
        for (int i = 0; i < n;)
        {
            int j = i + 1;
            while (j < n && keys[j] == keys[i]) j++;
            if (j - i > 1) Array.Sort(order, i, j - i);
            i = j;
        }
    }
}
