using Repro.Core.Augment;
using Repro.Core.Augment.Geometry;
using Repro.Core.Augment.Policies;
using Repro.Core.Data;
using static Repro.Core.Tests.Augment.Scenes;

namespace Repro.Core.Tests.Augment;

public class GeometryOpsTests
{
    static readonly PolicyOps Ops = new(new AugmentMagnitudes());

    // 64×48 (non-square, to catch width/height mix-ups), one 16×18 rectangle well inside.
    static LabelledImage Scene() => Rects(64, 48, (20, 12, 36, 30));

    public static IEnumerable<object[]> WholeImageOps() => new[]
    {
        new object[] { "TranslateX_BBox", 4.0 }, new object[] { "TranslateY_BBox", 4.0 },
        new object[] { "ShearX_BBox", 10.0 }, new object[] { "ShearY_BBox", 10.0 }, new object[] { "Rotate_BBox", 10.0 },
        new object[] { "Rotate_BBox", 5.0 },
    };

    [Theory]
    [MemberData(nameof(WholeImageOps))]
    public void Moved_rectangle_pixels_match_the_moved_box(string name, double level)
    {
        var op = Ops.Create(name, 1, level).Op;
        for (int seed = 0; seed < 6; seed++)
        {
            var outS = op.Apply(Scene(), new AugmentRng((ulong)seed));
            Assert.Single(outS.Boxes);
            AssertBoxNear(outS.Boxes[0], Bounds(outS.Image, RectColors[0]), 1.0, $"{name} seed {seed}");
        }
    }

    [Fact]
    public void Rotation_box_is_the_bounds_of_the_rotated_rectangle()
    {
        // Independent oracle: rotate the four corners by hand about the centre (32, 24) by ±30°.
        var outS = Ops.Create("Rotate_BBox", 1, 10).Op.Apply(Scene(), new AugmentRng(3));
        var b = outS.Boxes[0];
        bool matchesEither = new[] { 30.0, -30.0 }.Any(deg =>
        {
            double r = deg * Math.PI / 180;
            var xs = new List<double>(); var ys = new List<double>();
            foreach (var (x, y) in new[] { (20.0, 12.0), (36.0, 12.0), (20.0, 30.0), (36.0, 30.0) })
            {
                xs.Add(32 + Math.Cos(r) * (x - 32) - Math.Sin(r) * (y - 24));
                ys.Add(24 + Math.Sin(r) * (x - 32) + Math.Cos(r) * (y - 24));
            }
            return Math.Abs(b.X1 - xs.Min()) < 1e-3 && Math.Abs(b.X2 - xs.Max()) < 1e-3
                && Math.Abs(b.Y1 - ys.Min()) < 1e-3 && Math.Abs(b.Y2 - ys.Max()) < 1e-3;
        });
        Assert.True(matchesEither, $"rotated box {b}");
        Assert.True(b.Width > 16 && b.Height > 18, "the bounds of a rotated rectangle are larger than it");
    }

    [Fact]
    public void Translation_moves_by_the_scaled_reference_pixels()
    {
        // level 4 of 250 px at 640 → 100 px at 640 → 10 px at 64 (long side).
        var outS = Ops.Create("TranslateX_BBox", 1, 4).Op.Apply(Scene(), new AugmentRng(1));
        var b = outS.Boxes[0];
        Assert.True(Math.Abs(Math.Abs(b.X1 - 20) - 10) < 1e-4, $"box {b}");
        Assert.Equal(12f, b.Y1);
    }

    [Fact]
    public void Horizontal_flip_mirrors_pixels_and_box()
    {
        var outS = new HorizontalFlip().Apply(Scene(), new AugmentRng(0));
        Assert.Equal(new BoxXyxy(28, 12, 44, 30), outS.Boxes[0]);
        AssertBoxNear(outS.Boxes[0], Bounds(outS.Image, RectColors[0]), 0, "flip");
    }

    [Fact]
    public void Flip_twice_is_identity()
    {
        var s = Rects(33, 17, (1, 2, 9, 15), (20, 0, 33, 5));
        var flip = new HorizontalFlip();
        var twice = flip.Apply(flip.Apply(s, new AugmentRng(0)), new AugmentRng(0));
        AssertSame(s, twice);
    }

    [Theory]
    [InlineData(0.8, 1.2)]
    [InlineData(0.5, 2.0)]
    [InlineData(0.1, 2.0)]
    public void Scale_jitter_crop_keeps_pixels_box_and_mask_aligned(double min, double max)
    {
        var op = new ScaleJitterCrop(48, min, max);
        for (int seed = 0; seed < 12; seed++)
        {
            var outS = op.Apply(Scene(), new AugmentRng((ulong)seed));
            Assert.Equal(48, outS.Image.Width);
            Assert.Equal(48, outS.Image.Height);
            Assert.Equal(48 * 48, outS.Mask!.Length);
            var pix = Bounds(outS.Image, RectColors[0]);
            if (outS.Boxes.Length == 0) continue;   // cropped away (or below min size)
            AssertBoxNear(outS.Boxes[0], pix, 1.0, $"jitter ({min},{max}) seed {seed}");
            AssertBoxNear(outS.Boxes[0], MaskBounds(outS.Mask, 48, 1), 1.0, $"jitter mask seed {seed}");
            // Padding: where the mask says ignore the image holds the fill grey, and vice versa.
            for (int i = 0; i < outS.Mask.Length; i++)
            {
                bool grey = outS.Image.Pixels[3 * i] == 128 && outS.Image.Pixels[3 * i + 1] == 128 && outS.Image.Pixels[3 * i + 2] == 128;
                Assert.Equal(outS.Mask[i] == LabelledImage.IgnoreLabel, grey);
            }
        }
    }

    [Fact]
    public void Scale_jitter_with_a_known_map_scales_the_box()
    {
        // Scale 0.5 and no offset: the 64-wide scene fills the left half of a 64 output, the rest is padding.
        var op = new ScaleJitterCrop(64, 1, 1);
        var outS = op.ApplyMap(Scene(), new Affine2D(0.5, 0, 0, 0, 0.5, 0));
        Assert.Equal(new BoxXyxy(10, 6, 18, 15), outS.Boxes[0]);
        Assert.Equal(LabelledImage.IgnoreLabel, outS.Mask![40 * 64 + 40]);
        Assert.Equal(0, outS.Mask[2 * 64 + 2]);
        AssertBoxNear(outS.Boxes[0], Bounds(outS.Image, RectColors[0]), 1.0, "half scale");
    }

    [Fact]
    public void Boxes_are_clipped_at_borders_and_dropped_with_their_labels()
    {
        var s = Rects(64, 48, (2, 2, 12, 12), (30, 10, 50, 20), (56, 30, 62, 40));
        // Any AffineOp applies a given map; shift left by 8 px.
        var flip = new HorizontalFlip(minBoxSize: 7);
        var shifted = flip.ApplyMap(s, Affine2D.Translation(-8, 0));
        // box 0 → [−6, 4) clipped to [0, 4): 4 px wide < 7 → dropped with label 0; box 2 is 6 px wide < 7 → dropped.
        Assert.Equal(new[] { new BoxXyxy(22, 10, 42, 20) }, shifted.Boxes);
        Assert.Equal(new[] { 1 }, shifted.Labels);

        var lenient = new HorizontalFlip(minBoxSize: 1).ApplyMap(s, Affine2D.Translation(-8, 0));
        Assert.Equal(new[] { new BoxXyxy(0, 2, 4, 12), new BoxXyxy(22, 10, 42, 20), new BoxXyxy(48, 30, 54, 40) }, lenient.Boxes);
        Assert.Equal(new[] { 0, 1, 2 }, lenient.Labels);
        AssertBoxNear(lenient.Boxes[0], Bounds(lenient.Image, RectColors[0]), 0, "clipped box vs pixels");

        var gone = new HorizontalFlip().ApplyMap(s, Affine2D.Translation(-52, 0));
        Assert.Equal(new[] { new BoxXyxy(4, 30, 10, 40) }, gone.Boxes);
        Assert.Equal(new[] { 2 }, gone.Labels);
    }

    public static IEnumerable<object[]> BoxOnlyOps() => new[]
    {
        new object[] { "TranslateX_Only_BBoxes" }, new object[] { "TranslateY_Only_BBoxes" },
        new object[] { "ShearX_Only_BBoxes" }, new object[] { "ShearY_Only_BBoxes" },
        new object[] { "Rotate_Only_BBoxes" }, new object[] { "Flip_Only_BBoxes" },
        new object[] { "Equalize_Only_BBoxes" }, new object[] { "Solarize_Only_BBoxes" }, new object[] { "Cutout_Only_BBoxes" },
    };

    [Theory]
    [MemberData(nameof(BoxOnlyOps))]
    public void Box_only_ops_keep_boxes_and_change_nothing_outside_them(string name)
    {
        // Probability 1 → 1/3 per box; over several seeds some boxes change. Level 6 (Solarize at 10 is a no-op).
        var op = Ops.Create(name, 1, 6).Op;
        var s = Rects(64, 48, (4, 4, 20, 20), (30, 8, 50, 40));
        // Give the rectangles a gradient so every op visibly changes their content.
        for (int y = 0; y < 48; y++)
            for (int x = 0; x < 64; x++)
                if (s.Mask![y * 64 + x] != 0) s.Image.Pixels[s.Image.Offset(x, y) + 1] = (byte)(x * 4);
        bool anyChange = false;
        for (int seed = 0; seed < 10; seed++)
        {
            var outS = op.Apply(s, new AugmentRng((ulong)seed));
            Assert.Equal(s.Boxes, outS.Boxes);
            Assert.Equal(s.Labels, outS.Labels);
            for (int y = 0; y < 48; y++)
                for (int x = 0; x < 64; x++)
                {
                    bool inside = s.Boxes.Any(b => x >= b.X1 && x < b.X2 && y >= b.Y1 && y < b.Y2);
                    int o = s.Image.Offset(x, y);
                    bool same = s.Image.Pixels[o] == outS.Image.Pixels[o] && s.Image.Pixels[o + 1] == outS.Image.Pixels[o + 1]
                             && s.Image.Pixels[o + 2] == outS.Image.Pixels[o + 2];
                    if (!inside) Assert.True(same, $"{name} changed pixel ({x},{y}) outside every box");
                    else anyChange |= !same;
                }
        }
        Assert.True(anyChange, $"{name} never changed a box in 10 seeds");
    }

    [Fact]
    public void Box_only_translation_moves_content_inside_the_box_only()
    {
        // 40 px at 640 → 4 px at 64; per-box probability 1.
        var op = new OnlyBoxes(new Translate(true, 40), 1.0);
        var s = Rects(64, 48, (20, 12, 36, 30));
        var outS = op.Apply(s, new AugmentRng(5));
        Assert.Equal(s.Boxes, outS.Boxes);
        var pix = Bounds(outS.Image, RectColors[0])!.Value;
        bool right = pix.Equals(new BoxXyxy(24, 12, 36, 30)), left = pix.Equals(new BoxXyxy(20, 12, 32, 30));
        Assert.True(right || left, $"content bounds {pix}");
        // The vacated 4-px strip inside the box is grey, and its mask is ignore.
        int stripX = right ? 20 : 32;
        for (int y = 12; y < 30; y++)
            for (int x = stripX; x < stripX + 4; x++)
            {
                Assert.True(IsColor(outS.Image, x, y, new byte[] { 128, 128, 128 }), $"({x},{y}) not grey");
                Assert.Equal(LabelledImage.IgnoreLabel, outS.Mask![y * 64 + x]);
            }
    }

    [Fact]
    public void Box_only_translation_moves_all_boxes_of_an_image_the_same_way()
    {
        var op = new OnlyBoxes(new Translate(true, 40), 1.0);
        var s = Rects(64, 48, (2, 2, 20, 20), (30, 10, 60, 40));
        for (ulong seed = 0; seed < 8; seed++)
        {
            var outS = op.Apply(s, new AugmentRng(seed));
            var a = Bounds(outS.Image, RectColors[0])!.Value;
            var b = Bounds(outS.Image, RectColors[1])!.Value;
            // Content shifted right starts 4 px later; shifted left ends 4 px earlier.
            bool aRight = a.X1 == 6, bRight = b.X1 == 34;
            Assert.True(aRight == bRight, $"seed {seed}: boxes moved in different directions ({a}, {b})");
        }
    }

    public static IEnumerable<object[]> MaskOps() => new[]
    {
        new object[] { "TranslateX_BBox" }, new object[] { "TranslateY_BBox" }, new object[] { "ShearX_BBox" },
        new object[] { "ShearY_BBox" }, new object[] { "Rotate_BBox" }, new object[] { "TranslateY_Only_BBoxes" },
        new object[] { "TranslateX_Only_BBoxes" }, new object[] { "Rotate_Only_BBoxes" }, new object[] { "ShearX_Only_BBoxes" },
        new object[] { "Flip_Only_BBoxes" }, new object[] { "Flip" },
    };

    [Theory]
    [MemberData(nameof(MaskOps))]
    public void Mask_stays_aligned_with_pixels_and_is_ignore_where_uncovered(string name)
    {
        IAugmentOp op = name == "Flip" ? new HorizontalFlip() : Ops.Create(name, 1, 10).Op;
        // Rectangles reach the border so that large moves uncover image area.
        var s = Rects(64, 48, (0, 5, 30, 40), (40, 0, 64, 20));
        for (int seed = 0; seed < 8; seed++)
        {
            var outS = op.Apply(s, new AugmentRng((ulong)seed));
            for (int y = 0; y < 48; y++)
                for (int x = 0; x < 64; x++)
                {
                    byte m = outS.Mask![y * 64 + x];
                    byte[] expected = m == LabelledImage.IgnoreLabel ? new byte[] { 128, 128, 128 } : m == 0 ? Background : RectColors[m - 1];
                    Assert.True(IsColor(outS.Image, x, y, expected), $"{name} seed {seed}: pixel ({x},{y}) does not match mask value {m}");
                }
        }
    }
}
