using Repro.Core.Augment;
using Repro.Core.Augment.Color;
using Repro.Core.Augment.Geometry;
using Repro.Core.Augment.Policies;
using Repro.Core.Data;
using Repro.Core.Data.Images;

namespace Repro.Core.Tests.Augment;

public class ColorOpsTests
{
    /// <summary>A 1-row image whose pixels are (v, v, v) for the given values.</summary>
    static LabelledImage Grey(params byte[] values)
    {
        var img = new RgbImage(values.Length, 1);
        for (int i = 0; i < values.Length; i++) img.Pixels[3 * i] = img.Pixels[3 * i + 1] = img.Pixels[3 * i + 2] = values[i];
        return new LabelledImage { Image = img };
    }

    static byte[] Channel0(LabelledImage s) => Enumerable.Range(0, s.Image.Width * s.Image.Height).Select(i => s.Image.Pixels[3 * i]).ToArray();

    static byte[] Run(ColorOp op, params byte[] values) => Channel0(op.Apply(Grey(values), new AugmentRng(0)));

    [Fact]
    public void Invert_solarize_posterize_match_hand_values()
    {
        Assert.Equal(new byte[] { 255, 155, 0 }, Run(new Invert(), 0, 100, 255));
        // Threshold 128: below stays, at/above inverts.
        Assert.Equal(new byte[] { 127, 127, 55, 0 }, Run(new Solarize(128), 127, 128, 200, 255));
        // 2 bits: 218 = 0b11011010 → 0b11000000 = 192; 63 → 0; 64 → 64.
        Assert.Equal(new byte[] { 192, 0, 64 }, Run(new Posterize(2), 218, 63, 64));
        Assert.Equal(new byte[] { 0, 0 }, Run(new Posterize(0), 218, 255));
        // SolarizeAdd 110 below 128: 100 → 210, 120 → 230, 127 → 237; 128 and 200 unchanged; 255-clip not reached.
        Assert.Equal(new byte[] { 210, 230, 237, 128, 200 }, Run(new SolarizeAdd(110), 100, 120, 127, 128, 200));
    }

    [Fact]
    public void Enhance_ops_match_hand_values()
    {
        // Brightness 0.5: v/2 truncated.
        Assert.Equal(new byte[] { 100, 50, 0 }, Run(new Brightness(0.5), 200, 101, 1));
        // Brightness 1.5 clips at 255.
        Assert.Equal(new byte[] { 150, 255 }, Run(new Brightness(1.5), 100, 200));
        // Contrast 0: every pixel becomes the mean luma (rounded): (0 + 100 + 201) / 3 = 100.33 → 100.
        Assert.Equal(new byte[] { 100, 100, 100 }, Run(new Contrast(0), 0, 100, 201));
        // Contrast 2 about mean 100: 50 → 0, 120 → 140, 130 → 160 (mean of 50,120,130 = 100).
        Assert.Equal(new byte[] { 0, 140, 160 }, Run(new Contrast(2), 50, 120, 130));
        // Color 0 on a coloured pixel: grey luma of (255, 0, 0) = round(0.299·255) = 76.
        var red = new LabelledImage { Image = new RgbImage(1, 1, new byte[] { 255, 0, 0 }) };
        Assert.Equal(new byte[] { 76, 76, 76 }, new ColorBalance(0).Apply(red, new AugmentRng(0)).Image.Pixels);
        Assert.Equal(new byte[] { 255, 0, 0 }, new ColorBalance(1).Apply(red, new AugmentRng(0)).Image.Pixels);
    }

    [Fact]
    public void Sharpness_zero_is_the_smooth_filter_on_the_interior()
    {
        // 3×3 grey 10 with centre 140: smoothed centre = round((5·140 + 8·10) / 13) = round(60) = 60; border unchanged.
        var img = new RgbImage(3, 3);
        Array.Fill(img.Pixels, (byte)10);
        for (int c = 0; c < 3; c++) img.Pixels[img.Offset(1, 1) + c] = 140;
        var s = new LabelledImage { Image = img };
        var smooth = new Sharpness(0).Apply(s, new AugmentRng(0)).Image;
        Assert.Equal(60, smooth.Pixels[smooth.Offset(1, 1)]);
        Assert.Equal(10, smooth.Pixels[smooth.Offset(0, 0)]);
        Assert.Equal(img.Pixels, new Sharpness(1).Apply(s, new AugmentRng(0)).Image.Pixels);
        // Factor 2 extrapolates away from the smooth value: 60 + 2·(140 − 60) = 220.
        Assert.Equal(220, new Sharpness(2).Apply(s, new AugmentRng(0)).Image.Pixels[img.Offset(1, 1)]);
    }

    [Fact]
    public void AutoContrast_stretches_each_channel_to_full_range()
    {
        Assert.Equal(new byte[] { 0, 127, 255 }, Run(new AutoContrast(), 50, 100, 150));
        Assert.Equal(new byte[] { 77, 77 }, Run(new AutoContrast(), 77, 77));
    }

    [Fact]
    public void Equalize_matches_the_PIL_algorithm_on_a_tiny_image()
    {
        // 512 pixels: 300 × 50, 210 × 100, 2 × 200. step = (512 − 2) / 255 = 2.
        // lut[50] = (0 + 1) / 2 = 0; lut[100] = (300 + 1) / 2 = 150; lut[200] = (510 + 1) / 2 = 255.
        var values = Enumerable.Repeat((byte)50, 300).Concat(Enumerable.Repeat((byte)100, 210)).Concat(Enumerable.Repeat((byte)200, 2)).ToArray();
        var outV = Run(new Equalize(), values);
        Assert.Equal(0, outV[0]);
        Assert.Equal(150, outV[300]);
        Assert.Equal(255, outV[511]);
        // Too few pixels (step 0): unchanged.
        Assert.Equal(new byte[] { 3, 9, 200 }, Run(new Equalize(), 3, 9, 200));
    }

    [Fact]
    public void Cutout_fills_a_clipped_square_with_grey()
    {
        // 100 px at 640 on a 64-px image → half-size 10 → a square of side ≤ 20, at least 10 × 10 (corner centre).
        var s = Scenes.Rects(64, 64);
        var outS = new Cutout(100).Apply(s, new AugmentRng(11));
        int n = 0, x1 = 64, x2 = 0;
        for (int i = 0; i < 64 * 64; i++)
            if (outS.Image.Pixels[3 * i] == 128) { n++; x1 = Math.Min(x1, i % 64); x2 = Math.Max(x2, i % 64 + 1); }
        Assert.InRange(x2 - x1, 10, 20);
        Assert.InRange(n, 100, 400);
        Assert.Equal(s.Mask, outS.Mask);
    }

    public static IEnumerable<object[]> AllColorOpNames() =>
        new[] { "AutoContrast", "Equalize", "Invert", "Posterize", "Solarize", "SolarizeAdd", "Color", "Contrast", "Brightness", "Sharpness", "Cutout" }
        .Select(n => new object[] { n });

    [Theory]
    [MemberData(nameof(AllColorOpNames))]
    public void Colour_ops_leave_boxes_labels_and_mask_untouched(string name)
    {
        var s = Scenes.Rects(40, 30, (3, 4, 20, 25), (22, 1, 39, 10));
        var op = new PolicyOps(new AugmentMagnitudes()).Create(name, 1, 7).Op;
        var outS = op.Apply(s, new AugmentRng(2));
        Assert.Equal(s.Boxes, outS.Boxes);
        Assert.Equal(s.Labels, outS.Labels);
        Assert.Equal(s.Mask, outS.Mask);
        Assert.NotEqual(s.Image.Pixels, outS.Image.Pixels);
    }

    [Fact]
    public void Region_op_changes_only_its_region()
    {
        var s = Grey(10, 20, 30, 40, 50);
        var img = s.Image.Clone();
        ((IRegionOp)new Invert()).ApplyToRegion(img, null, new PixelRect(1, 0, 2, 1), 1, new AugmentRng(0));
        Assert.Equal(new byte[] { 10, 235, 225, 40, 50 }, Channel0(new LabelledImage { Image = img }));
    }
}
