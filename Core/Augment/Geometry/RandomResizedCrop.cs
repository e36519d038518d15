using Repro.Core.Data;
using Repro.Core.Data.Images;

namespace Repro.Core.Augment.Geometry;

/// <summary>
/// Random-resized crop (Inception-style, for classification pre-training): a window of area fraction
/// U(AreaMin, AreaMax) and log-uniform aspect ratio in (RatioMin, RatioMax) is drawn (up to 10 tries, else the
/// largest centred window within the ratio range) and resized bilinearly to OutputSize × OutputSize.
/// </summary>
public sealed class RandomResizedCrop : IAugmentOp
{
    public RandomResizedCrop(int outputSize, double areaMin = 0.08, double areaMax = 1.0, double ratioMin = 3.0 / 4, double ratioMax = 4.0 / 3,
                             float minBoxSize = 1)
    {
        if (outputSize <= 0) throw new ArgumentOutOfRangeException(nameof(outputSize), $"output size {outputSize} must be positive");
        if (!(areaMin > 0 && areaMax >= areaMin && areaMax <= 1))
            throw new ArgumentException($"area range ({areaMin}, {areaMax}) must satisfy 0 < min <= max <= 1", nameof(areaMin));
        if (!(ratioMin > 0 && ratioMax >= ratioMin))
            throw new ArgumentException($"ratio range ({ratioMin}, {ratioMax}) must satisfy 0 < min <= max", nameof(ratioMin));
        OutputSize = outputSize; AreaMin = areaMin; AreaMax = areaMax; RatioMin = ratioMin; RatioMax = ratioMax; MinBoxSize = minBoxSize;
    }

    public int OutputSize { get; }
    public double AreaMin { get; }
    public double AreaMax { get; }
    public double RatioMin { get; }
    public double RatioMax { get; }
    public float MinBoxSize { get; }
    public string Name => "RandomResizedCrop";

    public LabelledImage Apply(LabelledImage sample, AugmentRng rng)
    {
        var img = sample.Image;
        var (x, y, w, h) = SampleWindow(img.Width, img.Height, rng);
        double sx = (double)OutputSize / w, sy = (double)OutputSize / h;
        var forward = new Affine2D(sx, 0, -x * sx, 0, sy, -y * sy);
        var inverse = forward.Inverse();
        var src = new PixelRect(0, 0, img.Width, img.Height);
        var dst = new PixelRect(0, 0, OutputSize, OutputSize);
        var outImg = new RgbImage(OutputSize, OutputSize);
        AffineWarp.Warp(img.Pixels, img.Width, src, outImg.Pixels, OutputSize, dst, 3, inverse, stackalloc byte[] { 128, 128, 128 }, bilinear: true);
        byte[]? mask = null;
        if (sample.Mask != null)
        {
            mask = new byte[OutputSize * OutputSize];
            AffineWarp.Warp(sample.Mask, img.Width, src, mask, OutputSize, dst, 1, inverse, stackalloc byte[] { LabelledImage.IgnoreLabel }, bilinear: false);
        }
        var (boxes, labels) = BoxTransform.Apply(sample.Boxes, sample.Labels, forward, OutputSize, OutputSize, MinBoxSize);
        return sample.With(outImg, boxes, labels, mask);
    }

    /// <summary>The crop window (x, y, width, height) in source pixels.</summary>
    public (int X, int Y, int W, int H) SampleWindow(int width, int height, AugmentRng rng)
    {
        double area = (double)width * height;
        for (int attempt = 0; attempt < 10; attempt++)
        {
            double target = area * rng.Uniform(AreaMin, AreaMax);
            double ratio = Math.Exp(rng.Uniform(Math.Log(RatioMin), Math.Log(RatioMax)));
            int w = (int)Math.Round(Math.Sqrt(target * ratio)), h = (int)Math.Round(Math.Sqrt(target / ratio));
            if (w > 0 && h > 0 && w <= width && h <= height)
                return (rng.NextInt(width - w + 1), rng.NextInt(height - h + 1), w, h);
        }
        // Fallback: the whole image, trimmed to the ratio range, centred.
        double r = (double)width / height;
        int cw = width, ch = height;
        if (r < RatioMin) ch = Math.Max(1, (int)Math.Round(width / RatioMin));
        else if (r > RatioMax) cw = Math.Max(1, (int)Math.Round(height * RatioMax));
        return ((width - cw) / 2, (height - ch) / 2, cw, ch);
    }
}
