using Repro.Core.Evaluation.Coco;

namespace Repro.Core.Tests.Evaluation;

/// <summary>One test per pycocotools matching rule, each with a hand-computed expectation.</summary>
public class CocoMatchingRuleTests
{
    const double Tol = 1e-12;

    [Fact]
    public void Perfect_detections_give_AP_1_and_AR1_counts_one_detection_per_image_and_category()
    {
        // image 1: category 1 has a small (10x10) and a large (100x100) box; image 2: category 2 has a medium (50x50) box.
        var c = new CocoCase(images: 2, categories: 2)
            .AddGt(1, 0, 0, 10, 10).AddGt(1, 200, 200, 100, 100).AddGt(2, 0, 0, 50, 50, category: 2)
            .AddDet(1, 0, 0, 10, 10, 0.9).AddDet(1, 200, 200, 100, 100, 0.8).AddDet(2, 0, 0, 50, 50, 0.7, category: 2);
        var s = CocoEvaluator.Evaluate(c.Gt, c.Results);
        foreach (var v in new[] { s.AP, s.AP50, s.AP75, s.APs, s.APm, s.APl, s.AR10, s.AR100, s.ARs, s.ARm, s.ARl })
            Assert.Equal(1.0, v, Tol);
        // AR1: category 1 keeps only its best detection in image 1 → recall 1/2; category 2 → 1. Mean = 0.75.
        Assert.Equal(0.75, s.AR1, Tol);
    }

    [Fact]
    public void Crowd_ground_truth_uses_intersection_over_detection_area_absorbs_many_detections_and_is_not_recalled()
    {
        // A = [0,0,10,10] (normal), C = [20,0,40,40] crowd (x 20..60, y 0..40).
        var c = new CocoCase().AddGt(1, 0, 0, 10, 10).AddGt(1, 20, 0, 40, 40, crowd: true)
            .AddDet(1, 20, 0, 10, 10, 0.99)    // inside C: IoU 1 with the crowd → ignored
            .AddDet(1, 30, 10, 10, 10, 0.98)   // inside C too: the same crowd absorbs it → ignored
            .AddDet(1, 40, 20, 20, 40, 0.95)   // ∩C = 20x20 = 400, own area 800 → 0.5 (plain IoU would be 400/2000 = 0.2)
            .AddDet(1, 0, 0, 10, 10, 0.90);    // A exactly
        var s = CocoEvaluator.Evaluate(c.Gt, c.Results);
        // t = 0.50: the 0.95 detection matches the crowd (0.5 ≥ 0.5) → ignored; A is found with precision 1 → AP_50 = 1.
        // t ≥ 0.55: the 0.95 detection is a false positive ahead of A: tp/fp = 0/1 then 1/1 → precision 0.5 at recall 1.
        // AP = (1 + 9 · 0.5) / 10 = 0.55. Recall counts only A (npig = 1) → 1 at every threshold.
        Assert.Equal(1.0, s.AP50, Tol);
        Assert.Equal(0.5, s.AP75, Tol);
        Assert.Equal(0.55, s.AP, Tol);
        Assert.Equal(1.0, s.AR100, Tol);
    }

    [Fact]
    public void Equal_IoU_moves_to_the_later_ground_truth()
    {
        // G1 = [0,0,10,10], G2 = [5,0,10,10]; d1 = [2.5,0,10,10] has IoU 75/125 = 0.6 with both → takes G2 (the later).
        // d2 = G1 exactly then finds G1 free → both true positives at t = 0.5. (Taking G1 first would make d2 a false
        // positive, since IoU(d2, G2) = 1/3: AP50 would be 51/101.)
        var c = new CocoCase().AddGt(1, 0, 0, 10, 10).AddGt(1, 5, 0, 10, 10)
            .AddDet(1, 2.5, 0, 10, 10, 0.9).AddDet(1, 0, 0, 10, 10, 0.8);
        var s = CocoEvaluator.Evaluate(c.Gt, c.Results);
        Assert.Equal(1.0, s.AP50, Tol);
    }

    [Fact]
    public void A_detection_holding_a_regular_match_does_not_switch_to_a_better_crowd_match()
    {
        // G1 = [0,0,10,10]; crowd [0,0,20,20]; det [2.5,0,10,10]: IoU(G1) = 0.6, IoU(crowd) = 100/100 = 1.
        var c = new CocoCase().AddGt(1, 0, 0, 10, 10).AddGt(1, 0, 0, 20, 20, crowd: true).AddDet(1, 2.5, 0, 10, 10, 0.9);
        var acc = CocoEvaluator.Accumulate(c.Gt, c.Results);
        int all = 0, m100 = 2;
        // t = 0.50: keeps G1 → recall 1. t = 0.65: G1 fails (0.6 < 0.65), the crowd takes it → ignored, recall 0, no FP.
        Assert.Equal(1.0, acc.Recall(0, 0, all, m100), Tol);
        Assert.Equal(0.0, acc.Recall(3, 0, all, m100), Tol);
        Assert.Equal(1.0, acc.Precision(0, 100, 0, all, m100), Tol);
        Assert.Equal(0.0, acc.Precision(3, 0, 0, all, m100), Tol);
    }

    [Theory]
    [InlineData(false, 0.5)]   // false positive listed first → stable order keeps it first → precision 1/2 at recall 1
    [InlineData(true, 1.0)]    // true positive listed first → AP 1
    public void Score_ties_keep_file_order_within_an_image(bool truePositiveFirst, double expectedAp)
    {
        var c = new CocoCase().AddGt(1, 0, 0, 10, 10);
        if (truePositiveFirst) c.AddDet(1, 0, 0, 10, 10, 0.5).AddDet(1, 50, 50, 10, 10, 0.5);
        else c.AddDet(1, 50, 50, 10, 10, 0.5).AddDet(1, 0, 0, 10, 10, 0.5);
        Assert.Equal(expectedAp, CocoEvaluator.Evaluate(c.Gt, c.Results).AP, Tol);
    }

    [Theory]
    [InlineData(1, 0.5)]   // image 1 holds the false positive → it comes first among equal scores
    [InlineData(2, 1.0)]   // image 1 holds the true positive
    public void Score_ties_across_images_follow_image_id_order_not_file_order(int fpImage, double expectedAp)
    {
        int tpImage = 3 - fpImage;
        var c = new CocoCase(images: 2).AddGt(tpImage, 0, 0, 10, 10);
        // Both detections listed image 2 first in the file; pycocotools concatenates images in ascending id order.
        var dets = new[] { (img: 2, tp: tpImage == 2), (img: 1, tp: tpImage == 1) };
        foreach (var (img, tp) in dets)
            if (tp) c.AddDet(img, 0, 0, 10, 10, 0.5); else c.AddDet(img, 50, 50, 10, 10, 0.5);
        Assert.Equal(expectedAp, CocoEvaluator.Evaluate(c.Gt, c.Results).AP, Tol);
    }

    [Fact]
    public void MaxDets_truncates_each_image_and_category_to_its_best_scored_detections()
    {
        // 4 ground truths, 4 exact detections (scores .9 .8 .7 .6), maxDets 1/2/3.
        var c = new CocoCase();
        for (int i = 0; i < 4; i++) c.AddGt(1, 20 * i, 0, 10, 10).AddDet(1, 20 * i, 0, 10, 10, 0.9 - 0.1 * i);
        var p = new CocoEvalParams { MaxDets = new[] { 1, 2, 3 } };
        var s = CocoEvaluator.Evaluate(c.Gt, c.Results, p);
        // Only 3 detections survive: precision ≈ 1 up to recall 0.75 (points 0.00..0.75 = 76 of 101), then 0.
        Assert.Equal(76.0 / 101, s.AP, 1e-12);
        Assert.Equal(0.25, s.AR1, Tol);
        Assert.Equal(0.50, s.AR10, Tol);   // the second maxDets value (2)
        Assert.Equal(0.75, s.AR100, Tol);  // the third (3)
        Assert.Equal(new[] { 1, 2, 3 }, s.MaxDets);
    }

    [Fact]
    public void A_duplicate_detection_is_a_false_positive()
    {
        // Two GTs; detections: A (.9), A again (.8), B (.7) → TP, FP, TP with npig = 2.
        // rc = .5, .5, 1; pr = 1, 1/2, 2/3 → envelope 1, 2/3, 2/3.
        // Recall points 0.00..0.50 (51) → 1; 0.51..1.00 (50) → 2/3. AP = (51 + 50·2/3) / 101.
        var c = new CocoCase().AddGt(1, 0, 0, 10, 10).AddGt(1, 50, 0, 10, 10)
            .AddDet(1, 0, 0, 10, 10, 0.9).AddDet(1, 0, 0, 10, 10, 0.8).AddDet(1, 50, 0, 10, 10, 0.7);
        var s = CocoEvaluator.Evaluate(c.Gt, c.Results);
        Assert.Equal((51 + 50 * 2.0 / 3) / 101, s.AP, 1e-12);
        Assert.Equal(1.0, s.AR100, Tol);
    }
}
