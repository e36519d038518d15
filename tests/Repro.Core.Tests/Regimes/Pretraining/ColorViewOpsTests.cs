using Repro.Core.Augment;
using Repro.Core.Augment.Classification;
using Repro.Core.Augment.Color;
using Repro.Core.Augment.Geometry;
using Repro.Core.Data;
using Repro.Core.Data.Images;
using Repro.Core.Regimes.Pretraining;
using Repro.Core.Tests.Data;

namespace Repro.Core.Tests.Regimes.Pretraining;

public class ColorViewOpsTests
{
    static RgbImage Solid(byte r, byte g, byte b, int w = 4, int h = 3)
    {
        var img = new RgbImage(w, h);
        for (int i = 0; i < w * h; i++) { img.Pixels[3 * i] = r; img.Pixels[3 * i + 1] = g; img.Pixels[3 * i + 2] = b; }
        return img;
    }

    static RgbImage Run(IAugmentOp op, RgbImage img, ulong seed = 1) => op.Apply(new LabelledImage { Image = img }, new AugmentRng(seed)).Image;

    [Theory]
    [InlineData(255, 0, 0, 1.0 / 3, 0, 255, 0)]     // red → green
    [InlineData(255, 0, 0, 0.5, 0, 255, 255)]       // red → cyan
    [InlineData(0, 0, 255, -1.0 / 3, 0, 255, 0)]    // blue → green
    [InlineData(200, 100, 100, 0.5, 100, 200, 200)] // hue rotates, value (max) and chroma kept
    [InlineData(90, 90, 90, 0.25, 90, 90, 90)]      // grey has no hue
    public void HueShiftRotatesHueKeepingSaturationAndValue(int r, int g, int b, double shift, int er, int eg, int eb)
    {
        var output = Run(new HueShift(shift), Solid((byte)r, (byte)g, (byte)b));
        Assert.Equal(new byte[] { (byte)er, (byte)eg, (byte)eb }, output.Pixels.Take(3).ToArray());
    }

    [Fact]
    public void GrayscaleWritesTheLumaToEveryChannel()
    {
        var output = Run(new Grayscale(), Solid(200, 100, 50));
        // PIL luma: (299·200 + 587·100 + 114·50) / 1000 = 124.2 → 124.
        Assert.All(output.Pixels, v => Assert.Equal(124, v));
    }

    [Fact]
    public void GaussianBlurKeepsConstantImagesAndSpreadsAPointByTheKernel()
    {
        Assert.Equal(Solid(10, 20, 30, 9, 9).Pixels, Run(new GaussianBlur(1, 1) { ReferenceSize = 9 }, Solid(10, 20, 30, 9, 9)).Pixels);
        // A single bright pixel blurred with σ = 1: output(x, y) = 240·k(dx)·k(dy) with k the normalised Gaussian of radius 3.
        var img = Solid(0, 0, 0, 9, 9);
        img.Pixels[img.Offset(4, 4)] = 240;
        GaussianBlur.Blur(img.Pixels, 9, new PixelRect(0, 0, 9, 9), 1.0);
        double z = Enumerable.Range(-3, 7).Sum(i => Math.Exp(-0.5 * i * i));
        double K(int d) => Math.Exp(-0.5 * d * d) / z;
        for (int y = 0; y < 9; y++)
            for (int x = 0; x < 9; x++)
                Assert.Equal((int)Math.Round(240 * K(x - 4) * K(y - 4)), img.Pixels[img.Offset(x, y)]);
    }

    [Fact]
    public void ColorJitterWithoutAmountIsTheIdentity()
    {
        var img = TempDataDir.Pattern(8, 8, 3);
        Assert.Equal(img.Pixels, Run(new ColorJitter(0, 0, 0, 0), img).Pixels);
        Assert.NotEqual(img.Pixels, Run(ColorJitter.SimClr(1.0), img, 7).Pixels);
    }

    [Fact]
    public void SimClrViewsAreDeterministicAndTheTwoViewsDiffer()
    {
        var crop = new ClassificationAugmentConfig { OutputSize = 16, AreaMin = 0.2 };
        var views = new SimClrViews(crop, new SimClrViewConfig(), seed: 5);
        var img = TempDataDir.Pattern(24, 24, 1);
        var a = views.View(img, epoch: 2, index: 9, view: 0);
        Assert.Equal(16, a.Width);
        Assert.Equal(a.Pixels, views.View(img, 2, 9, 0).Pixels);
        Assert.NotEqual(a.Pixels, views.View(img, 2, 9, 1).Pixels);
        Assert.NotEqual(a.Pixels, views.View(img, 3, 9, 0).Pixels);
        Assert.Equal(TempDataDir.Pattern(24, 24, 1).Pixels, img.Pixels); // input untouched
        // Grayscale always on: every view is grey.
        var grey = new SimClrViews(crop, new SimClrViewConfig { GrayscaleProbability = 1 }, seed: 5).View(img, 0, 0, 1);
        for (int i = 0; i < grey.Pixels.Length; i += 3)
            Assert.True(grey.Pixels[i] == grey.Pixels[i + 1] && grey.Pixels[i + 1] == grey.Pixels[i + 2]);
    }

    [Fact]
    public void ViewConfigValidationNamesTheField()
    {
        var e = Assert.Throws<ArgumentException>(() => new SimClrViewConfig { GrayscaleProbability = 1.5 }.Validate());
        Assert.Contains("GrayscaleProbability", e.Message);
    }
}
