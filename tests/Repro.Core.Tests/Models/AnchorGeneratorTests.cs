using Repro.Core.Models.Detection;
using static TorchSharp.torch;

namespace Repro.Core.Tests.Models;

public class AnchorGeneratorTests : TorchTestBase
{
    [Fact]
    public void MiniatureAnchorCountAndFirstAnchorsPerLevel()
    {
        // 64×64 input, P3..P5 → 8×8, 4×4, 2×2 cells; 2 scales × 3 ratios = 6 anchors per cell.
        var gen = new AnchorGenerator(new AnchorConfig { SizeFactor = 1.5, ScalesPerOctave = 2 });
        var levels = gen.Anchors(new[] { (8, 8), (4, 4), (2, 2) }, new[] { 8, 16, 32 }, CPU);
        Assert.Equal(new long[] { 384, 96, 24 }, levels.Select(l => l.shape[0]).ToArray());
        Assert.Equal(504, levels.Sum(l => l.shape[0]));

        // P3 cell (0,0): centre (4,4); first anchor ratio h/w = 0.5, size 1.5·8 = 12 → w = 12/√0.5 = 16.9706, h = 8.4853.
        var p3 = levels[0].data<float>().ToArray();
        AssertBox(p3, 0, -4.48528f, -0.24264f, 12.48528f, 8.24264f);
        // second anchor: same ratio, size 12·2^(1/2) = 16.9706 → w = 24, h = 12.
        AssertBox(p3, 1, 4 - 12f, 4 - 6f, 4 + 12f, 4 + 6f);
        // third anchor: ratio 1, size 12 → square of side 12.
        AssertBox(p3, 2, -2f, -2f, 10f, 10f);
        // P5 cell (0,0): centre (16,16), ratio 1 size 48 is anchor 2.
        AssertBox(levels[2].data<float>().ToArray(), 2, 16 - 24f, 16 - 24f, 16 + 24f, 16 + 24f);
    }

    [Fact]
    public void CellOrderIsRowMajorWithCentresAtHalfStride()
    {
        // One square anchor per cell, side 4·stride (RetinaNet's base).
        var gen = new AnchorGenerator(new AnchorConfig { SizeFactor = 4, ScalesPerOctave = 1, AspectRatios = new[] { 1.0 } });
        var p3 = gen.LevelAnchors(8, 3, 5);   // 3 rows, 5 columns
        Assert.Equal(15 * 4, p3.Length);
        AssertBox(p3, 0, 4 - 16, 4 - 16, 4 + 16, 4 + 16);        // (row 0, col 0): centre (4, 4)
        AssertBox(p3, 1, 12 - 16, 4 - 16, 12 + 16, 4 + 16);      // (row 0, col 1): centre (12, 4)
        AssertBox(p3, 5, 4 - 16, 12 - 16, 4 + 16, 12 + 16);      // (row 1, col 0): centre (4, 12)
        AssertBox(p3, 14, 36 - 16, 20 - 16, 36 + 16, 20 + 16);   // (row 2, col 4): centre (36, 20)
        var p4 = gen.LevelAnchors(16, 1, 1);
        AssertBox(p4, 0, 8 - 32, 8 - 32, 8 + 32, 8 + 32);
    }

    [Fact]
    public void NineAnchorsWithThreeScalesPerOctave()
    {
        var gen = new AnchorGenerator(new AnchorConfig());
        var sizes = gen.CellAnchorSizes(8);
        Assert.Equal(9, sizes.Length);
        // ratio-major, scale-minor: sizes 32, 32·2^(1/3), 32·2^(2/3); areas equal size² whatever the ratio.
        for (int r = 0; r < 3; r++)
            for (int k = 0; k < 3; k++)
            {
                var (w, h) = sizes[r * 3 + k];
                Assert.Equal(Math.Pow(32 * Math.Pow(2, k / 3.0), 2), w * h, 6);
                Assert.Equal(new[] { 0.5, 1, 2 }[r], h / w, 9);
            }
    }

    [Fact]
    public void BadConfigIsRejected()
    {
        var e = Assert.Throws<ArgumentException>(() => new AnchorGenerator(new AnchorConfig { AspectRatios = new[] { 1.0, -2 } }));
        Assert.Contains("AspectRatios", e.Message);
    }

    static void AssertBox(float[] anchors, int index, float x1, float y1, float x2, float y2)
    {
        Assert.Equal(x1, anchors[4 * index], 3);
        Assert.Equal(y1, anchors[4 * index + 1], 3);
        Assert.Equal(x2, anchors[4 * index + 2], 3);
        Assert.Equal(y2, anchors[4 * index + 3], 3);
    }
}
