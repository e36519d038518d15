using Repro.Core.Data;

namespace Repro.Core.Augment.Geometry;

/// <summary>
/// Moves boxes through a geometric op: each box becomes the axis-aligned bounds of its four transformed corners
/// (for rotation and shear, as the AutoAugment reference does), is clipped to the output image, and is dropped
/// together with its label when narrower or shorter than the minimum size.
/// </summary>
public static class BoxTransform
{
    public static (BoxXyxy[] Boxes, int[] Labels) Apply(BoxXyxy[] boxes, int[] labels, Affine2D forward,
                                                         int width, int height, float minSize)
    {
        var outBoxes = new List<BoxXyxy>(boxes.Length);
        var outLabels = new List<int>(boxes.Length);
        for (int i = 0; i < boxes.Length; i++)
        {
            var b = boxes[i];
            var (ax, ay) = forward.Apply(b.X1, b.Y1);
            var (bx, by) = forward.Apply(b.X2, b.Y1);
            var (cx, cy) = forward.Apply(b.X1, b.Y2);
            var (dx, dy) = forward.Apply(b.X2, b.Y2);
            var moved = new BoxXyxy(
                (float)Math.Min(Math.Min(ax, bx), Math.Min(cx, dx)), (float)Math.Min(Math.Min(ay, by), Math.Min(cy, dy)),
                (float)Math.Max(Math.Max(ax, bx), Math.Max(cx, dx)), (float)Math.Max(Math.Max(ay, by), Math.Max(cy, dy)));
            if (ClipAndKeep(moved, width, height, minSize) is { } kept)
            {
                outBoxes.Add(kept);
                outLabels.Add(labels[i]);
            }
        }
        return (outBoxes.ToArray(), outLabels.ToArray());
    }

    /// <summary>The box clipped to [0, width] × [0, height], or null when it is then smaller than minSize on a side.</summary>
    public static BoxXyxy? ClipAndKeep(BoxXyxy b, int width, int height, float minSize)
    {
        var c = new BoxXyxy(Math.Clamp(b.X1, 0, width), Math.Clamp(b.Y1, 0, height),
                            Math.Clamp(b.X2, 0, width), Math.Clamp(b.Y2, 0, height));
        bool keep = c.Width >= minSize && c.Height >= minSize && c.Width > 0 && c.Height > 0;
        return keep ? c : null;
    }
}
