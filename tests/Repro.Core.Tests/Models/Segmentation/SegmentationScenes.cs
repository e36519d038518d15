using Repro.Core.Data;
using Repro.Core.Data.Images;

namespace Repro.Core.Tests.Models.Segmentation;

/// <summary>Synthetic segmentation samples: a grey background (class 0) with filled rectangles of classes 1..3 in
/// distinct colours; each rectangle's 1-px outline is labelled 255 (ignore), as VOC marks object boundaries.</summary>
internal static class SegmentationScenes
{
    static readonly (byte R, byte G, byte B)[] Colours = { (110, 110, 110), (230, 40, 40), (30, 60, 220), (40, 200, 60) };

    public static LabelledImage Draw(int width, int height, params (int X1, int Y1, int X2, int Y2, int Label)[] rects)
    {
        var img = new RgbImage(width, height);
        var mask = new byte[width * height];
        for (int i = 0; i < mask.Length; i++)
            (img.Pixels[3 * i], img.Pixels[3 * i + 1], img.Pixels[3 * i + 2]) = Colours[0];
        foreach (var (x1, y1, x2, y2, label) in rects)
            for (int y = y1; y < y2; y++)
                for (int x = x1; x < x2; x++)
                {
                    int i = y * width + x;
                    (img.Pixels[3 * i], img.Pixels[3 * i + 1], img.Pixels[3 * i + 2]) = Colours[label];
                    bool edge = x == x1 || y == y1 || x == x2 - 1 || y == y2 - 1;
                    mask[i] = edge ? LabelledImage.IgnoreLabel : (byte)label;
                }
        return new LabelledImage { Image = img, Mask = mask };
    }

    /// <summary>Four 64×64 scenes with one to three objects.</summary>
    public static LabelledImage[] Four() => new[]
    {
        Draw(64, 64, (6, 8, 26, 30, 1), (36, 34, 60, 58, 2)),
        Draw(64, 64, (20, 4, 44, 22, 3)),
        Draw(64, 64, (4, 40, 22, 60, 1), (30, 10, 58, 36, 3)),
        Draw(64, 64, (10, 10, 54, 30, 2), (12, 40, 30, 58, 3), (40, 42, 58, 60, 1)),
    };
}
