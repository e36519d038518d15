namespace Repro.Core.Evaluation.Coco;

/// <summary>
/// pycocotools' accumulate(): per category, the detections of all images (concatenated in image-id order, each
/// image's first maxDet) are stable-sorted by score; cumulative TP/FP counts give recall = tp/npig and
/// precision = tp/(tp+fp+eps); precision is made non-increasing by a backward sweep and sampled at each recall point
/// with a left-sided search (first index whose recall ≥ the point); points beyond the maximum recall stay 0.
/// </summary>
internal static class PrecisionRecallAccumulator
{
    /// <summary>numpy's spacing(1): the gap between 1.0 and the next double.</summary>
    const double Eps = 2.220446049250313e-16;

    public static CocoEvalAccumulation Accumulate(CocoEvalInput input, DetectionMatches matches, CocoEvalParams p)
    {
        int T = p.IouThresholds.Length, R = p.RecallThresholds.Length, K = input.CategoryIds.Length;
        int A = p.AreaRanges.Length, M = p.MaxDets.Length;
        var precision = new double[T * R * K * A * M];
        var recall = new double[T * K * A * M];
        Array.Fill(precision, -1.0);
        Array.Fill(recall, -1.0);
        var acc = new CocoEvalAccumulation(p, input.CategoryIds, input.CategoryNames, precision, recall);

        int cap = input.MaxCategoryDets;
        var sorted = new ScoredIndex[cap];
        var kept = new int[cap];          // detections (input index) kept for the current maxDet, in score order
        var tpBits = new ulong[cap];
        var igBits = new ulong[cap];
        var rc = new double[cap];
        var pr = new double[cap];
        var recThr = p.RecallThresholds;

        for (int k = 0; k < K; k++)
        {
            int start = input.CategoryDetStart[k], n = input.CategoryDetStart[k + 1] - start;
            var order = sorted.AsSpan(0, n);
            for (int i = 0; i < n; i++) order[i] = new ScoredIndex(-input.DetScore[start + i], start + i);
            order.Sort();   // keys are unique (index tiebreak): equal scores keep concatenation order

            for (int m = 0; m < M; m++)
            {
                // Truncating every image to its first maxDet keeps a subsequence, so the stable order is preserved.
                int maxDet = p.MaxDets[m], nk = 0;
                for (int i = 0; i < n; i++)
                {
                    int d = order[i].Index;
                    if (input.DetRank[d] < maxDet) kept[nk++] = d;
                }
                for (int a = 0; a < A; a++)
                {
                    long npig = matches.NonIgnoredGts[a * K + k];
                    if (npig == 0) continue;
                    var tpA = matches.TruePositive[a]; var igA = matches.Ignored[a];
                    for (int i = 0; i < nk; i++) { tpBits[i] = tpA[kept[i]]; igBits[i] = igA[kept[i]]; }
                    for (int t = 0; t < T; t++)
                    {
                        ulong bit = 1UL << t;
                        // Ignored detections leave tp and fp unchanged; dropping them changes neither the
                        // non-increasing envelope nor the first index reaching each recall point.
                        long tp = 0, fp = 0; int c = 0;
                        for (int i = 0; i < nk; i++)
                        {
                            if ((igBits[i] & bit) != 0) continue;
                            if ((tpBits[i] & bit) != 0) tp++; else fp++;
                            double tpd = tp, fpd = fp;
                            rc[c] = tpd / npig;
                            pr[c] = tpd / (fpd + tpd + Eps);
                            c++;
                        }
                        recall[acc.RecallIndex(t, k, a, m)] = c > 0 ? rc[c - 1] : 0;
                        for (int i = c - 1; i > 0; i--) if (pr[i] > pr[i - 1]) pr[i - 1] = pr[i];
                        int j = 0;
                        for (int r = 0; r < R; r++)
                        {
                            while (j < c && rc[j] < recThr[r]) j++;
                            precision[acc.PrecisionIndex(t, r, k, a, m)] = j < c ? pr[j] : 0;
                        }
                    }
                }
            }
        }
        return acc;
    }
}
