using Repro.Core.Models.Detection;

namespace Repro.Core.Tests.Models;

public class NmsTests
{
    /// <summary>The definition, literally: visit boxes by (score desc, index asc); keep one unless a kept box of the same
    /// class overlaps it by IoU &gt; threshold (IoU in double precision).</summary>
    static int[] BruteForce(float[] boxes, float[] scores, int[] labels, double thr)
    {
        var order = Enumerable.Range(0, scores.Length).OrderByDescending(i => scores[i]).ThenBy(i => i).ToList();
        var kept = new List<int>();
        foreach (var i in order)
        {
            bool suppressed = kept.Any(k => labels[k] == labels[i] && Iou(boxes, k, i) > thr);
            if (!suppressed) kept.Add(i);
        }
        return kept.ToArray();
    }

    static double Iou(float[] b, int i, int j)
    {
        double iw = Math.Min(b[4 * i + 2], b[4 * j + 2]) - Math.Max(b[4 * i], b[4 * j]);
        double ih = Math.Min(b[4 * i + 3], b[4 * j + 3]) - Math.Max(b[4 * i + 1], b[4 * j + 1]);
        if (iw <= 0 || ih <= 0) return 0;
        double inter = iw * ih;
        double ai = ((double)b[4 * i + 2] - b[4 * i]) * ((double)b[4 * i + 3] - b[4 * i + 1]);
        double aj = ((double)b[4 * j + 2] - b[4 * j]) * ((double)b[4 * j + 3] - b[4 * j + 1]);
        return inter / (ai + aj - inter);
    }

    static (float[] Boxes, float[] Scores, int[] Labels) RandomSet(int seed, int n, int classes, int scoreLevels)
    {
        var rng = new Random(seed);
        var boxes = new float[n * 4]; var scores = new float[n]; var labels = new int[n];
        for (int i = 0; i < n; i++)
        {
            // integer coordinates keep IoUs away from float-vs-double rounding differences at the threshold
            int x = rng.Next(0, 60), y = rng.Next(0, 60), w = rng.Next(4, 30), h = rng.Next(4, 30);
            (boxes[4 * i], boxes[4 * i + 1], boxes[4 * i + 2], boxes[4 * i + 3]) = (x, y, x + w, y + h);
            scores[i] = rng.Next(scoreLevels) / (float)scoreLevels;   // few levels → many exact ties
            labels[i] = rng.Next(classes);
        }
        return (boxes, scores, labels);
    }

    [Theory]
    [InlineData(1, 50, 1, 5, 0.5)]
    [InlineData(2, 300, 3, 7, 0.5)]
    [InlineData(3, 500, 4, 1000, 0.3)]
    [InlineData(4, 200, 2, 2, 0.7)]
    public void ClassWiseMatchesBruteForce(int seed, int n, int classes, int scoreLevels, double thr)
    {
        var (b, s, l) = RandomSet(seed, n, classes, scoreLevels);
        Assert.Equal(BruteForce(b, s, l, thr), Nms.ClassWise(b, s, l, (float)thr));
    }

    [Fact]
    public void ClassAgnosticMatchesBruteForceWithOneClass()
    {
        var (b, s, _) = RandomSet(11, 400, 1, 4);
        Assert.Equal(BruteForce(b, s, new int[400], 0.5), Nms.Greedy(b, s, 0.5f));
    }

    [Fact]
    public void HandCase()
    {
        // 0 and 1 overlap with IoU 81/119 ≈ 0.68; 2 is disjoint; 3 overlaps 0 but is another class; scores 1 > 0 tie → 0 first.
        var boxes = new float[] { 0, 0, 10, 10, 1, 1, 10, 10, 20, 20, 30, 30, 0, 0, 10, 10 };
        var scores = new float[] { 0.9f, 0.9f, 0.5f, 0.95f };
        var labels = new[] { 0, 0, 0, 1 };
        Assert.Equal(new[] { 3, 0, 2 }, Nms.ClassWise(boxes, scores, labels, 0.5f));
        Assert.Equal(new[] { 3, 2 }, Nms.Greedy(boxes, scores, 0.5f));
        Assert.Equal(new[] { 3, 0 }, Nms.ClassWise(boxes, scores, labels, 0.5f, maxKeep: 2));
    }

    [Fact]
    public void MismatchedLengthsAreRejected()
    {
        var e = Assert.Throws<ArgumentException>(() => Nms.Greedy(new float[7], new float[2], 0.5f));
        Assert.Contains("boxes", e.Message);
    }
}
