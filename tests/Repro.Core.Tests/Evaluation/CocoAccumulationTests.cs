using Repro.Core.Data.Coco;
using Repro.Core.Evaluation.Coco;

namespace Repro.Core.Tests.Evaluation;

/// <summary>Accumulation over images and the 101-point interpolated precision, checked against hand arithmetic.</summary>
public class CocoAccumulationTests
{
    const double Tol = 1e-12;

    [Fact]
    public void Hundred_and_one_point_interpolation_of_a_known_PR_curve()
    {
        // One image, 4 GTs; detections in score order: TP, FP, FP, TP, TP (one GT never found). IoU threshold 0.5 only.
        // tp = 1,1,1,2,3  fp = 0,1,2,2,2  → rc = .25,.25,.25,.5,.75  pr = 1, 1/2, 1/3, 1/2, 3/5
        // Backward max envelope: 1, 3/5, 3/5, 3/5, 3/5.
        // Left search: r ≤ .25 → index 0 → 1 (points 0..25); .25 < r ≤ .75 → index 3 or 4 → 3/5 (points 26..75);
        // r > .75 → past the end → 0 (points 76..100).
        var c = new CocoCase();
        for (int i = 0; i < 4; i++) c.AddGt(1, 20 * i, 0, 10, 10);
        c.AddDet(1, 0, 0, 10, 10, 0.9).AddDet(1, 100, 100, 5, 5, 0.8).AddDet(1, 120, 100, 5, 5, 0.7)
         .AddDet(1, 20, 0, 10, 10, 0.6).AddDet(1, 40, 0, 10, 10, 0.5);
        var acc = CocoEvaluator.Accumulate(c.Gt, c.Results, new CocoEvalParams { IouThresholds = new[] { 0.5 } });
        for (int r = 0; r <= 100; r++)
        {
            double expected = r <= 25 ? 1.0 : r <= 75 ? 0.6 : 0.0;
            Assert.Equal(expected, acc.Precision(0, r, 0, 0, 2), Tol);
        }
        Assert.Equal(0.75, acc.Recall(0, 0, 0, 2), Tol);
        var s = CocoSummarizer.Summarize(acc);
        Assert.Equal((26 + 50 * 0.6) / 101, s.AP, Tol);
        Assert.Equal(-1.0, s.AP75);   // 0.75 is not among the thresholds → −1 as pycocotools would print
    }

    [Fact]
    public void Multi_image_case_computed_by_hand()
    {
        // Category 1. Image 1: g1 [0,0,10,10], g2 [20,20,10,10]. Image 2: g3 [0,0,20,20]. npig = 3 (all small).
        // d1 img1 [0,0,10,10]   .9  IoU(g1) = 1
        // d3 img2 [0,0,20,10]   .8  IoU(g3) = 200/400 = 0.5   (matches only at t = 0.50: 0.5 ≥ 0.5)
        // d4 img2 [50,50,10,10] .7  no overlap → FP
        // d2 img1 [20,20,10,7.2].6  IoU(g2) = 72/100 = 0.72  (matches for t ≤ 0.70)
        // Score order: d1 d3 d4 d2.
        // t = .50:            TP TP FP TP → rc 1/3 2/3 2/3 1, pr 1 1 2/3 3/4 → env 1 1 3/4 3/4
        //                     r ≤ 2/3 (67 points: .00-.66) → 1; r > 2/3 (34 points) → 3/4.  AP = (67 + 25.5)/101 = 92.5/101
        // t = .55,.60,.65,.70: TP FP FP TP → rc 1/3 1/3 1/3 2/3, pr 1 1/2 1/3 1/2 → env 1 1/2 1/2 1/2
        //                     r ≤ 1/3 (34 points) → 1; 1/3 < r ≤ 2/3 (33 points) → 1/2; rest 0. AP = 50.5/101
        // t = .75 ... .95:    TP FP FP FP → rc 1/3 ...; r ≤ 1/3 (34 points) → 1. AP = 34/101
        // AP = (92.5 + 4·50.5 + 5·34) / 1010 = 464.5/1010.
        // Recall: t=.5 → 1, four thresholds → 2/3, five → 1/3: AR100 = (1 + 8/3 + 5/3)/10 = 16/30.
        // AR1 keeps d1 (img1) and d3 (img2): t=.5 → 2/3, other nine → 1/3: AR1 = (2/3 + 9/3)/10 = 11/30.
        var c = new CocoCase(images: 2)
            .AddGt(1, 0, 0, 10, 10).AddGt(1, 20, 20, 10, 10).AddGt(2, 0, 0, 20, 20)
            .AddDet(1, 0, 0, 10, 10, 0.9).AddDet(1, 20, 20, 10, 7.2, 0.6)
            .AddDet(2, 0, 0, 20, 10, 0.8).AddDet(2, 50, 50, 10, 10, 0.7);
        var s = CocoEvaluator.Evaluate(c.Gt, c.Results);
        Assert.Equal(464.5 / 1010, s.AP, Tol);
        Assert.Equal(92.5 / 101, s.AP50, Tol);
        Assert.Equal(34.0 / 101, s.AP75, Tol);
        Assert.Equal(464.5 / 1010, s.APs, Tol);
        Assert.Equal(-1.0, s.APm);
        Assert.Equal(-1.0, s.APl);
        Assert.Equal(11.0 / 30, s.AR1, Tol);
        Assert.Equal(16.0 / 30, s.AR10, Tol);
        Assert.Equal(16.0 / 30, s.AR100, Tol);
        Assert.Equal(16.0 / 30, s.ARs, Tol);
        Assert.Equal(-1.0, s.ARm);
        Assert.Single(s.PerCategory);
        Assert.Equal(464.5 / 1010, s.PerCategory[0].Ap, Tol);
    }

    [Fact]
    public void Categories_without_ground_truth_are_excluded_and_categories_without_detections_score_zero()
    {
        // c1: found perfectly → 1. c2: has GT, no detections → 0. c3: no GT, only a detection → −1, left out.
        var c = new CocoCase(categories: 3)
            .AddGt(1, 0, 0, 10, 10, category: 1).AddGt(1, 50, 50, 10, 10, category: 2)
            .AddDet(1, 0, 0, 10, 10, 0.9, category: 1).AddDet(1, 100, 100, 10, 10, 0.9, category: 3);
        var s = CocoEvaluator.Evaluate(c.Gt, c.Results);
        Assert.Equal(1.0, s.PerCategory[0].Ap, Tol);
        Assert.Equal(0.0, s.PerCategory[1].Ap, Tol);
        Assert.Equal(-1.0, s.PerCategory[2].Ap);
        Assert.Equal(new[] { 1, 2, 3 }, s.PerCategory.Select(x => x.CategoryId));
        Assert.Equal(0.5, s.AP, Tol);
        Assert.Equal(0.5, s.AR100, Tol);
    }

    [Fact]
    public void Empty_results_give_zero_where_ground_truth_exists_and_minus_one_elsewhere()
    {
        // Only a medium ground truth: small and large have nothing to measure → −1; the rest 0.
        var c = new CocoCase().AddGt(1, 0, 0, 50, 50);
        var s = CocoEvaluator.Evaluate(c.Gt, c.Results);
        Assert.Equal(new double[] { 0, 0, 0, -1, 0, -1, 0, 0, 0, -1, 0, -1 }, s.Stats);

        // No annotations at all: every number is −1.
        var empty = new CocoCase();
        Assert.All(CocoEvaluator.Evaluate(empty.Gt, empty.Results).Stats, v => Assert.Equal(-1.0, v));
    }

    [Fact]
    public void Ground_truth_with_id_zero_reads_as_unmatched_like_pycocotools()
    {
        // pycocotools stores the matched GT id in dtMatches and tests it for truthiness, so a match to id 0 counts
        // as a false positive (and the GT stays unrecalled).
        var c = new CocoCase().AddGt(1, 0, 0, 10, 10, id: 0).AddDet(1, 0, 0, 10, 10, 0.9);
        var s = CocoEvaluator.Evaluate(c.Gt, c.Results);
        Assert.Equal(0.0, s.AP);
        Assert.Equal(0.0, s.AR100);
    }
}
