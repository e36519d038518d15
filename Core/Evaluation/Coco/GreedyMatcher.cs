using System.Runtime.CompilerServices;

namespace Repro.Core.Evaluation.Coco;

/// <summary>
/// pycocotools' per-image, per-category matching (evaluateImg), for all area ranges and IoU thresholds at once.
/// For each area range: ground truths are ordered non-ignored first (stable); detections, in score order, each take
/// the best still-free ground truth with IoU ≥ min(t, 1−1e−10); a later ground truth with an equal IoU replaces the
/// current choice; a detection holding a non-ignored match stops at the first ignored ground truth; crowd ground
/// truths stay free (they can absorb many detections).
/// </summary>
internal static class GreedyMatcher
{
    const double MaxThreshold = 1 - 1e-10;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static DetectionMatches Match(CocoEvalInput input, CocoEvalParams p, IIouComputer iou)
    {
        int numAreas = p.AreaRanges.Length, numThr = p.IouThresholds.Length, numCats = input.CategoryIds.Length;
        int numDets = input.DetScore.Length;
        var tp = new ulong[numAreas][]; var ig = new ulong[numAreas][];
        for (int a = 0; a < numAreas; a++) { tp[a] = new ulong[numDets]; ig[a] = new ulong[numDets]; }
        var npig = new long[numAreas * numCats];

        var thresholds = new double[numThr];
        for (int t = 0; t < numThr; t++) thresholds[t] = Math.Min(p.IouThresholds[t], MaxThreshold);
        var areaMin = p.AreaRanges.Select(r => r.Min).ToArray();
        var areaMax = p.AreaRanges.Select(r => r.Max).ToArray();

        int maxG = input.MaxGroupGts, maxD = input.MaxGroupDets;
        var ious = new double[Math.Max(1, maxG * maxD)];
        var order = new int[maxG];          // position → ground-truth offset in the group (non-ignored first)
        var ignoredAt = new bool[maxG];     // ignore flag by position
        var crowdAt = new bool[maxG];
        var idZeroAt = new bool[maxG];
        var taken = new ulong[maxG];        // bit t: position already matched at threshold t

        for (int grp = 0; grp < input.GroupCount; grp++)
        {
            int k = input.GroupCategory[grp];
            int gs = input.GroupGtStart[grp], G = input.GroupGtCount[grp];
            int ds = input.GroupDetStart[grp], D = input.GroupDetCount[grp];
            if (D > 0 && G > 0) iou.Compute(input, ds, D, gs, G, ious.AsSpan(0, D * G));

            for (int a = 0; a < numAreas; a++)
            {
                double lo = areaMin[a], hi = areaMax[a];
                // Stable partition: non-ignored ground truths first.
                int pos = 0;
                for (int pass = 0; pass < 2; pass++)
                    for (int g = 0; g < G; g++)
                    {
                        double area = input.GtArea[gs + g];
                        bool ignored = input.GtCrowd[gs + g] || area < lo || area > hi;
                        if (ignored != (pass == 1)) continue;
                        order[pos] = g; ignoredAt[pos] = ignored;
                        crowdAt[pos] = input.GtCrowd[gs + g]; idZeroAt[pos] = input.GtIdIsZero[gs + g];
                        taken[pos] = 0;
                        pos++;
                    }
                int nonIgnored = 0;
                for (int q = 0; q < G; q++) if (!ignoredAt[q]) nonIgnored++;
                npig[a * numCats + k] += nonIgnored;

                var tpA = tp[a]; var igA = ig[a];
                for (int d = 0; d < D; d++)
                {
                    double detArea = input.DetArea[ds + d];
                    bool outside = detArea < lo || detArea > hi;
                    ulong tpBits = 0, igBits = 0;
                    int row = d * G;
                    for (int t = 0; t < numThr; t++)
                    {
                        ulong bit = 1UL << t;
                        double best = thresholds[t];
                        int m = -1;
                        for (int q = 0; q < G; q++)
                        {
                            if ((taken[q] & bit) != 0 && !crowdAt[q]) continue;
                            if (m > -1 && !ignoredAt[m] && ignoredAt[q]) break;
                            double v = ious[row + order[q]];
                            if (v < best) continue;
                            best = v; m = q;
                        }
                        if (m == -1)
                        {
                            if (outside) igBits |= bit;
                            continue;
                        }
                        taken[m] |= bit;
                        // A match to a ground truth with id 0 is stored as 0 by pycocotools, i.e. read as unmatched.
                        bool recorded = !idZeroAt[m];
                        if (ignoredAt[m] || (!recorded && outside)) igBits |= bit;
                        else if (recorded) tpBits |= bit;
                    }
                    tpA[ds + d] = tpBits; igA[ds + d] = igBits;
                }
            }
        }
        return new DetectionMatches { TruePositive = tp, Ignored = ig, NonIgnoredGts = npig };
    }
}
