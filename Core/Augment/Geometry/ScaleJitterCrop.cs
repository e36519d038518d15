using Repro.Core.Data.Images;

namespace Repro.Core.Augment.Geometry;

/// <summary>
/// Scale jitter with a fixed-size crop: the image is resized so its long side is s × <see cref="OutputSize"/>,
/// s ~ U(<see cref="MinScale"/>, <see cref="MaxScale"/>) (standard jitter ≈ (0.8, 1.2), large-scale jitter (0.5, 2.0)
/// or (0.1, 2.0)), then a random OutputSize × OutputSize window is taken: a crop where the resized image is larger,
/// padding (image fill, mask ignore) at the right/bottom where it is smaller. One bilinear pass for the image,
/// nearest neighbour for the mask.
/// </summary>
public sealed class ScaleJitterCrop : IAugmentOp
{
    public ScaleJitterCrop(int outputSize, double minScale, double maxScale, byte imageFill = 128, byte maskFill = 255,
                           float minBoxSize = 1)
    {
        if (outputSize <= 0) throw new ArgumentOutOfRangeException(nameof(outputSize), $"output size {outputSize} must be positive");
        if (!(minScale > 0) || !(maxScale >= minScale))
            throw new ArgumentException($"scale range ({minScale}, {maxScale}) must satisfy 0 < min <= max", nameof(minScale));
        OutputSize = outputSize; MinScale = minScale; MaxScale = maxScale;
        ImageFill = imageFill; MaskFill = maskFill; MinBoxSize = minBoxSize;
    }

    public string Name => $"ScaleJitterCrop({MinScale:0.##},{MaxScale:0.##})";
    public int OutputSize { get; }
    public double MinScale { get; }
    public double MaxScale { get; }
    public byte ImageFill { get; }
    public byte MaskFill { get; }
    public float MinBoxSize { get; }

    public Data.LabelledImage Apply(Data.LabelledImage sample, AugmentRng rng)
    {
        var img = sample.Image;
        double s = rng.Uniform(MinScale, MaxScale);
        double r = s * OutputSize / Math.Max(img.Width, img.Height);
        int offX = rng.NextInt(0, (int)Math.Floor(img.Width * r - OutputSize) + 1);
        int offY = rng.NextInt(0, (int)Math.Floor(img.Height * r - OutputSize) + 1);
        return ApplyMap(sample, new Affine2D(r, 0, -offX, 0, r, -offY));
    }

    /// <summary>Applies a given scale-and-offset map x' = r·x − offset (no randomness).</summary>
    public Data.LabelledImage ApplyMap(Data.LabelledImage sample, Affine2D forward)
    {
        var img = sample.Image;
        var inverse = forward.Inverse();
        var src = new PixelRect(0, 0, img.Width, img.Height);
        var dst = new PixelRect(0, 0, OutputSize, OutputSize);
        var outImg = new RgbImage(OutputSize, OutputSize);
        AffineWarp.Warp(img.Pixels, img.Width, src, outImg.Pixels, OutputSize, dst, 3, inverse,
                        stackalloc byte[] { ImageFill, ImageFill, ImageFill }, bilinear: true);
        byte[]? mask = null;
        if (sample.Mask != null)
        {
            mask = new byte[OutputSize * OutputSize];
            AffineWarp.Warp(sample.Mask, img.Width, src, mask, OutputSize, dst, 1, inverse, stackalloc byte[] { MaskFill }, bilinear: false);
        }
        var (boxes, labels) = BoxTransform.Apply(sample.Boxes, sample.Labels, forward, OutputSize, OutputSize, MinBoxSize);
        return sample.With(outImg, boxes, labels, mask);
    }
}
