using Repro.Core.Data.Coco;
using Repro.Core.Evaluation.Coco;

namespace Repro.Core.Tests.Evaluation;

/// <summary>
/// A deliberately plain re-statement of pycocotools' COCOeval (evaluate → accumulate → summarize) with lists,
/// dictionaries and LINQ: per (category, area, image) records, every detection kept in the PR arrays (ignored ones
/// included), linear searchsorted. Used only as the oracle for the optimized evaluator.
/// </summary>
public static class NaiveCocoEval
{
    sealed class Gt { public long Id; public double[] Box = null!; public double Area; public bool Crowd; public bool Ignore; }
    sealed class Dt { public long Id; public double[] Box = null!; public double Area; public double Score; }
    sealed class EvalImg { public List<double> Scores = new(); public long[,] DtMatches = null!; public bool[,] DtIgnore = null!; public List<bool> GtIgnore = new(); }

    public sealed record Result(double[] Stats, double[] PerCategoryAp, double[,,,,] Precision, double[,,,] Recall);

    public static Result Run(CocoDataset dataset, IReadOnlyList<CocoResult> results, CocoEvalParams p)
    {
        var imgIds = dataset.Images.Select(i => i.Id).Distinct().OrderBy(i => i).ToList();
        var catIds = dataset.Categories.Select(c => c.Id).Distinct().OrderBy(c => c).ToList();
        var gts = new Dictionary<(long, int), List<Gt>>();
        var dts = new Dictionary<(long, int), List<Dt>>();
        foreach (var a in dataset.Annotations)
        {
            if (!gts.TryGetValue((a.ImageId, a.CategoryId), out var l)) gts[(a.ImageId, a.CategoryId)] = l = new List<Gt>();
            l.Add(new Gt { Id = a.Id, Box = a.Bbox, Area = a.Area, Crowd = a.IsCrowd != 0 });
        }
        for (int i = 0; i < results.Count; i++)
        {
            var r = results[i];
            if (!dts.TryGetValue((r.ImageId, r.CategoryId), out var l)) dts[(r.ImageId, r.CategoryId)] = l = new List<Dt>();
            l.Add(new Dt { Id = i + 1, Box = r.Bbox, Area = r.Bbox[2] * r.Bbox[3], Score = r.Score });
        }
        int maxDet = p.MaxDets.Max();
        int T = p.IouThresholds.Length, R = p.RecallThresholds.Length, K = catIds.Count, A = p.AreaRanges.Length, M = p.MaxDets.Length;

        // evaluate(): evalImgs[k, a, i]
        var evalImgs = new EvalImg?[K, A, imgIds.Count];
        for (int k = 0; k < K; k++)
            for (int a = 0; a < A; a++)
                for (int i = 0; i < imgIds.Count; i++)
                    evalImgs[k, a, i] = EvaluateImg(
                        gts.GetValueOrDefault((imgIds[i], catIds[k])) ?? new List<Gt>(),
                        dts.GetValueOrDefault((imgIds[i], catIds[k])) ?? new List<Dt>(), p.AreaRanges[a], maxDet, p.IouThresholds);

        // accumulate()
        var precision = new double[T, R, K, A, M];
        var recall = new double[T, K, A, M];
        for (int t = 0; t < T; t++) for (int r = 0; r < R; r++) for (int k = 0; k < K; k++) for (int a = 0; a < A; a++) for (int m = 0; m < M; m++) precision[t, r, k, a, m] = -1;
        for (int t = 0; t < T; t++) for (int k = 0; k < K; k++) for (int a = 0; a < A; a++) for (int m = 0; m < M; m++) recall[t, k, a, m] = -1;
        for (int k = 0; k < K; k++)
            for (int a = 0; a < A; a++)
                for (int m = 0; m < M; m++)
                {
                    var E = Enumerable.Range(0, imgIds.Count).Select(i => evalImgs[k, a, i]).Where(e => e != null).Select(e => e!).ToList();
                    if (E.Count == 0) continue;
                    // (score, matched gt id per t, ignore per t) in concatenation order
                    var rows = new List<(double score, long[] match, bool[] ign)>();
                    foreach (var e in E)
                        for (int d = 0; d < Math.Min(p.MaxDets[m], e.Scores.Count); d++)
                            rows.Add((e.Scores[d], Enumerable.Range(0, T).Select(t => e.DtMatches[t, d]).ToArray(), Enumerable.Range(0, T).Select(t => e.DtIgnore[t, d]).ToArray()));
                    rows = rows.OrderBy(x => -x.score).ToList();   // LINQ OrderBy is stable
                    int npig = E.Sum(e => e.GtIgnore.Count(g => !g));
                    if (npig == 0) continue;
                    for (int t = 0; t < T; t++)
                    {
                        var rc = new List<double>(); var pr = new List<double>();
                        double tp = 0, fp = 0;
                        foreach (var row in rows)
                        {
                            bool isTp = row.match[t] != 0 && !row.ign[t];
                            bool isFp = row.match[t] == 0 && !row.ign[t];
                            if (isTp) tp += 1;
                            if (isFp) fp += 1;
                            rc.Add(tp / npig);
                            pr.Add(tp / (fp + tp + 2.220446049250313e-16));
                        }
                        recall[t, k, a, m] = rows.Count > 0 ? rc[^1] : 0;
                        for (int i = pr.Count - 1; i > 0; i--) if (pr[i] > pr[i - 1]) pr[i - 1] = pr[i];
                        for (int r = 0; r < R; r++)
                        {
                            int idx = 0;
                            while (idx < rc.Count && rc[idx] < p.RecallThresholds[r]) idx++;   // searchsorted side='left'
                            precision[t, r, k, a, m] = idx < rc.Count ? pr[idx] : 0;
                        }
                    }
                }

        // summarize()
        int aAll = Array.FindIndex(p.AreaRanges, x => x.Label == "all"), aS = Array.FindIndex(p.AreaRanges, x => x.Label == "small");
        int aM = Array.FindIndex(p.AreaRanges, x => x.Label == "medium"), aL = Array.FindIndex(p.AreaRanges, x => x.Label == "large");
        int t50 = Array.FindIndex(p.IouThresholds, x => Math.Abs(x - 0.5) < 1e-12), t75 = Array.FindIndex(p.IouThresholds, x => Math.Abs(x - 0.75) < 1e-12);
        double Ap(int tOnly, int a, int kOnly = -1)
        {
            var vals = new List<double>();
            for (int t = 0; t < T; t++) for (int r = 0; r < R; r++) for (int k = 0; k < K; k++)
                        if ((tOnly < 0 || t == tOnly) && (kOnly < 0 || k == kOnly) && precision[t, r, k, a, M - 1] > -1) vals.Add(precision[t, r, k, a, M - 1]);
            return vals.Count == 0 ? -1 : vals.Average();
        }
        double Ar(int a, int m)
        {
            var vals = new List<double>();
            for (int t = 0; t < T; t++) for (int k = 0; k < K; k++) if (recall[t, k, a, m] > -1) vals.Add(recall[t, k, a, m]);
            return vals.Count == 0 ? -1 : vals.Average();
        }
        var stats = new[]
        {
            Ap(-1, aAll), t50 < 0 ? -1 : Ap(t50, aAll), t75 < 0 ? -1 : Ap(t75, aAll), Ap(-1, aS), Ap(-1, aM), Ap(-1, aL),
            Ar(aAll, 0), Ar(aAll, 1), Ar(aAll, 2), Ar(aS, 2), Ar(aM, 2), Ar(aL, 2),
        };
        var perCat = Enumerable.Range(0, K).Select(k => Ap(-1, aAll, k)).ToArray();
        return new Result(stats, perCat, precision, recall);
    }

    static EvalImg? EvaluateImg(List<Gt> gtIn, List<Dt> dtIn, AreaRange range, int maxDet, double[] thresholds)
    {
        if (gtIn.Count == 0 && dtIn.Count == 0) return null;
        foreach (var g in gtIn) g.Ignore = g.Crowd || g.Area < range.Min || g.Area > range.Max;
        var gt = gtIn.OrderBy(g => g.Ignore ? 1 : 0).ToList();
        var dt = dtIn.OrderBy(d => -d.Score).Take(maxDet).ToList();
        int T = thresholds.Length, G = gt.Count, D = dt.Count;
        var ious = new double[D, G];
        for (int d = 0; d < D; d++) for (int g = 0; g < G; g++) ious[d, g] = Iou(dt[d].Box, gt[g].Box, gt[g].Crowd);
        var gtm = new long[T, G];
        var dtm = new long[T, D];
        var dtIg = new bool[T, D];
        for (int t = 0; t < T; t++)
            for (int d = 0; d < D; d++)
            {
                double iou = Math.Min(thresholds[t], 1 - 1e-10);
                int m = -1;
                for (int g = 0; g < G; g++)
                {
                    if (gtm[t, g] > 0 && !gt[g].Crowd) continue;
                    if (m > -1 && !gt[m].Ignore && gt[g].Ignore) break;
                    if (ious[d, g] < iou) continue;
                    iou = ious[d, g];
                    m = g;
                }
                if (m == -1) continue;
                dtIg[t, d] = gt[m].Ignore;
                dtm[t, d] = gt[m].Id;
                gtm[t, m] = dt[d].Id;
            }
        for (int t = 0; t < T; t++)
            for (int d = 0; d < D; d++)
                if (dtm[t, d] == 0 && (dt[d].Area < range.Min || dt[d].Area > range.Max)) dtIg[t, d] = true;
        return new EvalImg { Scores = dt.Select(d => d.Score).ToList(), DtMatches = dtm, DtIgnore = dtIg, GtIgnore = gt.Select(g => g.Ignore).ToList() };
    }

    static double Iou(double[] d, double[] g, bool crowd)
    {
        double ix = Math.Max(0, Math.Min(d[0] + d[2], g[0] + g[2]) - Math.Max(d[0], g[0]));
        double iy = Math.Max(0, Math.Min(d[1] + d[3], g[1] + g[3]) - Math.Max(d[1], g[1]));
        double inter = ix * iy;
        if (inter <= 0) return 0;
        double union = crowd ? d[2] * d[3] : d[2] * d[3] + g[2] * g[3] - inter;
        return inter / union;
    }
}
