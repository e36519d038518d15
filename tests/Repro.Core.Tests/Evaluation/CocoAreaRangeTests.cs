using Repro.Core.Evaluation.Coco;

namespace Repro.Core.Tests.Evaluation;

/// <summary>Area ranges are closed at both ends and use the annotation's area field; unmatched detections outside a
/// range are ignored there.</summary>
public class CocoAreaRangeTests
{
    const double Tol = 1e-12;

    static CocoEvalSummary Single(double w, double h, double? area = null)
    {
        var c = new CocoCase().AddGt(1, 0, 0, w, h, area: area).AddDet(1, 0, 0, w, h, 0.9);
        return CocoEvaluator.Evaluate(c.Gt, c.Results);
    }

    [Fact]
    public void Area_of_exactly_32_squared_is_both_small_and_medium()
    {
        var s = Single(32, 32);
        Assert.Equal(1.0, s.APs, Tol);
        Assert.Equal(1.0, s.APm, Tol);
        Assert.Equal(-1.0, s.APl);
        Assert.Equal(-1.0, s.ARl);
    }

    [Fact]
    public void Area_of_exactly_96_squared_is_both_medium_and_large()
    {
        var s = Single(96, 96);
        Assert.Equal(-1.0, s.APs);
        Assert.Equal(1.0, s.APm, Tol);
        Assert.Equal(1.0, s.APl, Tol);
    }

    [Fact]
    public void Ground_truth_size_comes_from_the_area_field_not_width_times_height()
    {
        // 40x40 box (w·h = 1600, medium) whose area field says 900 (small, as a thin mask would).
        var s = Single(40, 40, area: 900);
        Assert.Equal(1.0, s.APs, Tol);
        Assert.Equal(-1.0, s.APm);
        Assert.Equal(1.0, s.AP, Tol);
    }

    [Fact]
    public void Unmatched_detection_outside_the_range_is_ignored_inside_the_range_it_counts()
    {
        // Small GT 10x10 found at score .5; a medium 50x50 false positive at .9 and, separately, a 32x32 one.
        var c = new CocoCase().AddGt(1, 0, 0, 10, 10).AddDet(1, 0, 0, 10, 10, 0.5).AddDet(1, 100, 100, 50, 50, 0.9);
        var s = CocoEvaluator.Evaluate(c.Gt, c.Results);
        Assert.Equal(1.0, s.APs, Tol);   // the 2500-area false positive is outside [0, 1024] → ignored
        Assert.Equal(0.5, s.AP, Tol);    // area "all": FP then TP → precision 1/2 at recall 1
        Assert.Equal(-1.0, s.APm);       // no medium ground truth

        // Detection area exactly 1024 is inside the small range (closed end) → it is a false positive there.
        var c2 = new CocoCase().AddGt(1, 0, 0, 10, 10).AddDet(1, 0, 0, 10, 10, 0.5).AddDet(1, 100, 100, 32, 32, 0.9);
        Assert.Equal(0.5, CocoEvaluator.Evaluate(c2.Gt, c2.Results).APs, Tol);
    }

    [Fact]
    public void Scaled_area_ranges_move_the_boundaries()
    {
        // Scale 1/4: small ≤ 256, medium [256, 2304], large ≥ 2304. A 20x20 box (400) becomes medium.
        var c = new CocoCase().AddGt(1, 0, 0, 20, 20).AddDet(1, 0, 0, 20, 20, 0.9);
        var s = CocoEvaluator.Evaluate(c.Gt, c.Results, CocoEvalParams.Default.WithAreaScale(0.25));
        Assert.Equal(-1.0, s.APs);
        Assert.Equal(1.0, s.APm, Tol);
        Assert.Equal(1.0, CocoEvaluator.Evaluate(c.Gt, c.Results).APs, Tol);
    }
}
