using Repro.Core.Data;
using Repro.Core.Data.Images;

namespace Repro.Core.Augment;

/// <summary>Helpers the ops share for building their output samples.</summary>
internal static class SampleExtensions
{
    /// <summary>A new sample with the same id and the given parts (null keeps the input's).</summary>
    public static LabelledImage With(this LabelledImage s, RgbImage? image = null, BoxXyxy[]? boxes = null,
                                       int[]? labels = null, byte[]? mask = null) => new()
    {
        ImageId = s.ImageId,
        Image = image ?? s.Image,
        Boxes = boxes ?? s.Boxes,
        Labels = labels ?? s.Labels,
        Mask = mask ?? s.Mask,
    };

    /// <summary>Image long side relative to the reference size the magnitudes are stated at (640 px).</summary>
    public static double PixelScale(this RgbImage image, double referenceSize) => Math.Max(image.Width, image.Height) / referenceSize;
}
