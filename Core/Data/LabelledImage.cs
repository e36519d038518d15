using Repro.Core.Data.Images;

namespace Repro.Core.Data;

/// <summary>
/// One image with its labels as every task's pipeline carries it (detection, segmentation, classification, unlabeled
/// images with none): boxes in pixel corners, labels as contiguous class indices (0..C-1, see
/// <see cref="Coco.CategoryMap"/>; an image-level class for classification), and optionally a per-pixel class mask
/// (255 = ignore) for segmentation.
/// </summary>
public sealed class LabelledImage
{
    public long ImageId { get; init; }
    public required RgbImage Image { get; init; }
    public BoxXyxy[] Boxes { get; init; } = Array.Empty<BoxXyxy>();
    public int[] Labels { get; init; } = Array.Empty<int>();
    /// <summary>Optional H×W class mask, row-major; 255 marks pixels to ignore.</summary>
    public byte[]? Mask { get; init; }

    public const byte IgnoreLabel = 255;
}
