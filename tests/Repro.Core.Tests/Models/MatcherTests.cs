using Repro.Core.Models.Detection;
using static TorchSharp.torch;

namespace Repro.Core.Tests.Models;

public class MatcherTests : TorchTestBase
{
    static Tensor Iou(float[,] m) => tensor(m);

    static long[] Match(Matcher matcher, float[,] iou) => matcher.Match(Iou(iou)).data<long>().ToArray();

    [Fact]
    public void PositiveNegativeAndIgnoreByThresholds()
    {
        var iou = new float[,]
        {
            // anchors:  0     1     2     3    4     5
            { 0.60f, 0.45f, 0.10f, 0.0f, 0.30f, 0.40f },
            { 0.20f, 0.50f, 0.39f, 0.0f, 0.35f, 0.10f },
        };
        // a0 → box 0 (0.6 ≥ .5); a1 → box 1 (0.5 ≥ .5, best); a2 0.39 < .4 → negative; a3 → negative; a4 0.35 → negative;
        // a5 0.40 is in [0.4, 0.5) → ignored.
        Assert.Equal(new long[] { 0, 1, -1, -1, -1, -2 }, Match(new Matcher(0.5, 0.4, allowLowQualityMatches: false), iou));
        Assert.Equal(new long[] { 0, 1, -1, -1, -1, -2 }, Match(new Matcher(0.5, 0.4, allowLowQualityMatches: true), iou));
    }

    [Fact]
    public void LowQualityMatchesGiveEveryBoxItsBestAnchors()
    {
        var iou = new float[,]
        {
            // box 0 is well matched; box 1's best IoU is 0.3, reached at anchors 2 and 4 (a tie: both become positive);
            // box 2's best is at anchor 0, which box 0 beats: the anchor stays with its own best box (0).
            { 0.70f, 0.10f, 0.05f, 0.00f, 0.10f },
            { 0.10f, 0.20f, 0.30f, 0.00f, 0.30f },
            { 0.25f, 0.00f, 0.00f, 0.00f, 0.00f },
        };
        Assert.Equal(new long[] { 0, -1, -1, -1, -1 }, Match(new Matcher(allowLowQualityMatches: false), iou));
        Assert.Equal(new long[] { 0, -1, 1, -1, 1 }, Match(new Matcher(allowLowQualityMatches: true), iou));
    }

    [Fact]
    public void BoxOverlappingNoAnchorGetsNone()
    {
        var iou = new float[,] { { 0f, 0f, 0f }, { 0.45f, 0f, 0f } };
        // box 0 overlaps nothing: no anchor is forced positive for it; box 1's best (0.45, ignore zone) becomes positive.
        Assert.Equal(new long[] { 1, -1, -1 }, Match(new Matcher(), iou));
    }

    [Fact]
    public void NoBoxesMeansAllBackground()
    {
        var m = new Matcher().Match(zeros(0, 7)).data<long>().ToArray();
        Assert.Equal(Enumerable.Repeat(-1L, 7).ToArray(), m);
    }

    [Fact]
    public void ThresholdsOutOfOrderAreRejected()
    {
        var e = Assert.Throws<ArgumentException>(() => new Matcher(0.4, 0.5));
        Assert.Contains("negative threshold", e.Message);
    }
}
