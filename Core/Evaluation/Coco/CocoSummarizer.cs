namespace Repro.Core.Evaluation.Coco;

/// <summary>
/// pycocotools' summarize() for detections: each number is the mean of the table entries that are not −1 for the
/// chosen IoU threshold(s), area range and maxDets (AP over T×R×K precision entries, AR over T×K recall entries);
/// −1 when every entry is −1. AP lines use the largest maxDets (100 by default).
/// </summary>
public static class CocoSummarizer
{
    public static CocoEvalSummary Summarize(CocoEvalAccumulation acc)
    {
        var p = acc.Params;
        int all = p.AreaIndex("all"), small = p.AreaIndex("small"), medium = p.AreaIndex("medium"), large = p.AreaIndex("large");
        int mLast = acc.M - 1;
        int t50 = ThresholdIndex(p, 0.5), t75 = ThresholdIndex(p, 0.75);

        var perCategory = new CategoryAp[acc.K];
        for (int k = 0; k < acc.K; k++)
            perCategory[k] = new CategoryAp { CategoryId = acc.CategoryIds[k], Name = acc.CategoryNames[k], Ap = MeanPrecision(acc, -1, all, mLast, k) };

        return new CocoEvalSummary
        {
            IouType = p.IouType,
            AP = MeanPrecision(acc, -1, all, mLast),
            AP50 = t50 < 0 ? -1 : MeanPrecision(acc, t50, all, mLast),
            AP75 = t75 < 0 ? -1 : MeanPrecision(acc, t75, all, mLast),
            APs = MeanPrecision(acc, -1, small, mLast),
            APm = MeanPrecision(acc, -1, medium, mLast),
            APl = MeanPrecision(acc, -1, large, mLast),
            AR1 = MeanRecall(acc, all, 0),
            AR10 = MeanRecall(acc, all, 1),
            AR100 = MeanRecall(acc, all, 2),
            ARs = MeanRecall(acc, small, mLast),
            ARm = MeanRecall(acc, medium, mLast),
            ARl = MeanRecall(acc, large, mLast),
            IouRange = new[] { p.IouThresholds[0], p.IouThresholds[^1] },
            MaxDets = p.MaxDets.ToArray(),
            PerCategory = perCategory,
        };
    }

    /// <summary>Index of the IoU threshold equal to <paramref name="value"/> (numpy linspace values, compared with a
    /// tiny tolerance), or −1 when absent (the line then reads −1 as in pycocotools).</summary>
    static int ThresholdIndex(CocoEvalParams p, double value) =>
        Array.FindIndex(p.IouThresholds, t => Math.Abs(t - value) < 1e-12);

    /// <summary>Mean of precision entries > −1 over thresholds (all when t &lt; 0), recall points and categories
    /// (one when <paramref name="onlyCategory"/> ≥ 0).</summary>
    static double MeanPrecision(CocoEvalAccumulation acc, int t, int a, int m, int onlyCategory = -1)
    {
        double sum = 0; long count = 0;
        int t0 = t < 0 ? 0 : t, t1 = t < 0 ? acc.T : t + 1;
        int k0 = onlyCategory < 0 ? 0 : onlyCategory, k1 = onlyCategory < 0 ? acc.K : onlyCategory + 1;
        for (int ti = t0; ti < t1; ti++)
            for (int r = 0; r < acc.R; r++)
                for (int k = k0; k < k1; k++)
                {
                    double v = acc.Precision(ti, r, k, a, m);
                    if (v > -1) { sum += v; count++; }
                }
        return count == 0 ? -1 : sum / count;
    }

    static double MeanRecall(CocoEvalAccumulation acc, int a, int m)
    {
        double sum = 0; long count = 0;
        for (int t = 0; t < acc.T; t++)
            for (int k = 0; k < acc.K; k++)
            {
                double v = acc.Recall(t, k, a, m);
                if (v > -1) { sum += v; count++; }
            }
        return count == 0 ? -1 : sum / count;
    }
}
