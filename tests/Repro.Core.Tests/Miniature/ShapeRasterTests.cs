using Repro.Core.Data.Miniature;

namespace Repro.Core.Tests.Miniature;

/// <summary>Rasterisation against hand-computed cases and closed-form areas.</summary>
public class ShapeRasterTests
{
    [Fact]
    public void Axis_aligned_square_covers_exactly_the_pixels_whose_centres_are_inside()
    {
        // Half-size 4 around (10, 10): centres x + 0.5 in [6, 14] → pixels 6..13, an 8×8 block.
        var m = ObjectMask.Rasterize(new ShapePlacement(ShapeKind.Square, 10, 10, 4, 4, 0), 64, 64);
        Assert.Equal(64, m.InImageArea);
        Assert.Equal(64, m.FullArea);
        Assert.Equal((6, 6, 14, 14), m.TightBox());
        Assert.True(m.Contains(6, 13));
        Assert.False(m.Contains(14, 10));
    }

    [Fact]
    public void Disc_box_and_area_match_the_circle()
    {
        // Radius 5 around (32, 32): centres in [27, 37] along the axes → pixels 27..36.
        var m = ObjectMask.Rasterize(new ShapePlacement(ShapeKind.Disc, 32, 32, 5, 5, 0.7), 64, 64);
        Assert.Equal((27, 27, 37, 37), m.TightBox());
        Assert.InRange(m.InImageArea, Math.PI * 25 - 10, Math.PI * 25 + 10);
    }

    [Theory]
    [InlineData(ShapeKind.Square, 4.0)]                         // (2r)²
    [InlineData(ShapeKind.Ring, Math.PI * 0.75)]                // π(1 − 0.5²) r²
    [InlineData(ShapeKind.HollowSquare, 4 * (1 - 0.55 * 0.55))] // 4(1 − 0.55²) r²
    [InlineData(ShapeKind.Triangle, 2.0)]                       // base 2r, height 2r
    [InlineData(ShapeKind.Plus, 2 * 2 * 0.68 - 0.68 * 0.68)]   // two 2r × 0.68r bars minus their 0.68r × 0.68r overlap
    public void Large_shapes_have_their_closed_form_area_whatever_the_rotation(ShapeKind shape, double areaOverR2)
    {
        const double r = 40;
        foreach (double rot in new[] { 0.0, 0.3, 1.1 })
        {
            var m = ObjectMask.Rasterize(new ShapePlacement(shape, 100, 100, r, r, rot), 200, 200);
            Assert.InRange(m.InImageArea / (areaOverR2 * r * r), 0.97, 1.03);
        }
    }

    [Fact]
    public void Truncated_disc_is_clipped_and_keeps_its_full_area()
    {
        // Centre on the left border: half of the disc lies outside.
        var m = ObjectMask.Rasterize(new ShapePlacement(ShapeKind.Disc, 0, 32, 6, 6, 0), 64, 64);
        var box = m.TightBox()!.Value;
        Assert.Equal(0, box.X0);
        Assert.Equal(6, box.X1);   // centres 0.5..5.5 ≤ 6
        Assert.InRange(m.InImageArea, m.FullArea * 0.4, m.FullArea * 0.6);
        Assert.InRange(m.FullArea, Math.PI * 36 - 10, Math.PI * 36 + 10);
    }

    [Fact]
    public void Fully_outside_shape_has_no_box() =>
        Assert.Null(ObjectMask.Rasterize(new ShapePlacement(ShapeKind.Disc, -20, 10, 5, 5, 0), 64, 64).TightBox());

    [Fact]
    public void Detection_shapes_are_distinct_at_miniature_size()
    {
        // Two shapes at the same place and nominal size, each at the middle of its aspect range, must differ in many
        // pixels (else a detector could not tell them apart: e.g. discs vs ellipses differ only by their aspect).
        var shapes = ShapeCatalog.DetectionShapes;
        var masks = shapes.Select(s =>
        {
            var (lo, hi) = ShapeGeometry.AspectRange(s);
            double a = Math.Sqrt(lo * hi);
            return ObjectMask.Rasterize(new ShapePlacement(s, 16, 16, 8 / Math.Sqrt(a), 8 * Math.Sqrt(a), 0), 32, 32);
        }).ToArray();
        for (int i = 0; i < shapes.Count; i++)
            for (int j = i + 1; j < shapes.Count; j++)
            {
                int diff = 0;
                for (int y = 0; y < 32; y++)
                    for (int x = 0; x < 32; x++)
                        if (masks[i].Contains(x, y) != masks[j].Contains(x, y)) diff++;
                Assert.True(diff >= 20, $"{shapes[i]} and {shapes[j]} differ in only {diff} pixels");
            }
    }
}
