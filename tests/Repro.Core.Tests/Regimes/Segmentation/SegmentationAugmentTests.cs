using Repro.Core.Augment;
using Repro.Core.Data;
using Repro.Core.Data.Batching;
using Repro.Core.Data.Images;

namespace Repro.Core.Tests.Regimes.Segmentation;

/// <summary>The paper's segmentation augmentation (S1: flip, scale jitter, crop) carries masks with the pixels, and
/// collation keeps them.</summary>
public class SegmentationAugmentTests : TorchTestBase
{
    /// <summary>A 64×48 image whose red channel is 40·class for a mask of irregular class regions, plus a 255 band.</summary>
    static LabelledImage Sample()
    {
        int w = 64, h = 48;
        var img = new RgbImage(w, h);
        var mask = new byte[w * h];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                byte c = (byte)(x < 20 ? 1 : y < 16 ? 2 : (x + y) % 40 < 20 ? 3 : 0);
                if (x is 30 or 31) c = 255;
                mask[y * w + x] = c;
                int o = img.Offset(x, y);
                img.Pixels[o] = (byte)(c == 255 ? 250 : 40 * c);
                img.Pixels[o + 1] = (byte)(y * 5);
                img.Pixels[o + 2] = 77;
            }
        return new LabelledImage { ImageId = 5, Image = img, Mask = mask };
    }

    [Fact]
    public void S1_masks_follow_the_pixels_and_survive_collation()
    {
        var pipeline = AugmentPipeline.FromConfig(AugmentConfig.ForLevel(AugmentLevel.S1, 40));
        var augmented = Enumerable.Range(0, 12).Select(e => pipeline.Apply(Sample(), seed: 1, epoch: e)).ToArray();
        int checkedPixels = 0, flipsSeen = 0;
        foreach (var a in augmented)
        {
            Assert.Equal(40 * 40, a.Mask!.Length);
            for (int y = 1; y < 39; y++)
                for (int x = 1; x < 39; x++)
                {
                    byte c = a.Mask[y * 40 + x];
                    // Only where the 3×3 neighbourhood has one label is the (bilinear) image value unblended.
                    bool uniform = true;
                    for (int dy = -1; dy <= 1; dy++) for (int dx = -1; dx <= 1; dx++) uniform &= a.Mask[(y + dy) * 40 + x + dx] == c;
                    if (!uniform) continue;
                    int red = a.Image.Pixels[a.Image.Offset(x, y)];
                    if (c == 255)
                    {
                        // Padding (grey fill 128) or the source's 255 band (red 250).
                        Assert.True(red == 128 || red == 250, $"ignore pixel with red {red}");
                        continue;
                    }
                    Assert.Equal(40 * c, red);
                    checkedPixels++;
                }
            // Class 1 lies left of class 0 in the source; right of it after a flip.
            double MeanX(int c) => Enumerable.Range(0, a.Mask.Length).Where(i => a.Mask[i] == c).Select(i => i % 40).DefaultIfEmpty(-1).Average();
            if (MeanX(1) >= 0 && MeanX(0) >= 0 && MeanX(1) > MeanX(0)) flipsSeen++;
        }
        Assert.True(checkedPixels > 5000, $"only {checkedPixels} pixels checked");
        Assert.True(flipsSeen > 0, "no flipped sample in 12 epochs");

        var batch = new BatchCollator(new CollateOptions { FixedHeight = 40, FixedWidth = 40 }).Collate(augmented);
        Assert.Equal(augmented.SelectMany(a => a.Mask!).Select(m => (long)m).ToArray(), batch.Masks);
    }
}
