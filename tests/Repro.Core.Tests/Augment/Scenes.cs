using Repro.Core.Data;
using Repro.Core.Data.Images;

namespace Repro.Core.Tests.Augment;

/// <summary>Test scenes: a plain background with filled rectangles of distinct colours, and the oracles that read them back.</summary>
internal static class Scenes
{
    public static readonly byte[] Background = { 20, 40, 60 };
    public static readonly byte[][] RectColors = { new byte[] { 250, 30, 30 }, new byte[] { 30, 250, 30 }, new byte[] { 30, 30, 250 } };

    /// <summary>A width × height image with rectangle i (pixel rows/cols [x1, x2) × [y1, y2)) filled in colour i,
    /// boxes equal to the rectangles, labels i, and a mask that holds label i + 1 inside rectangle i, 0 elsewhere.</summary>
    public static LabelledImage Rects(int width, int height, params (int X1, int Y1, int X2, int Y2)[] rects)
    {
        var img = new RgbImage(width, height);
        var mask = new byte[width * height];
        for (int i = 0; i < width * height; i++)
        {
            img.Pixels[3 * i] = Background[0]; img.Pixels[3 * i + 1] = Background[1]; img.Pixels[3 * i + 2] = Background[2];
        }
        for (int r = 0; r < rects.Length; r++)
        {
            var (x1, y1, x2, y2) = rects[r];
            for (int y = y1; y < y2; y++)
                for (int x = x1; x < x2; x++)
                {
                    int o = img.Offset(x, y);
                    img.Pixels[o] = RectColors[r][0]; img.Pixels[o + 1] = RectColors[r][1]; img.Pixels[o + 2] = RectColors[r][2];
                    mask[y * width + x] = (byte)(r + 1);
                }
        }
        return new LabelledImage
        {
            ImageId = 7,
            Image = img,
            Boxes = rects.Select(r => new BoxXyxy(r.X1, r.Y1, r.X2, r.Y2)).ToArray(),
            Labels = Enumerable.Range(0, rects.Length).ToArray(),
            Mask = mask,
        };
    }

    /// <summary>Pixel bounds [x1, x2) × [y1, y2) of pixels closer to <paramref name="color"/> than to any other scene
    /// colour or the fill grey; null when there are none.</summary>
    public static BoxXyxy? Bounds(RgbImage img, byte[] color, Func<int, int, bool>? where = null)
    {
        int x1 = int.MaxValue, y1 = int.MaxValue, x2 = -1, y2 = -1;
        for (int y = 0; y < img.Height; y++)
            for (int x = 0; x < img.Width; x++)
                if (Nearest(img, x, y) == color && (where == null || where(x, y)))
                {
                    x1 = Math.Min(x1, x); y1 = Math.Min(y1, y); x2 = Math.Max(x2, x); y2 = Math.Max(y2, y);
                }
        return x2 < 0 ? null : new BoxXyxy(x1, y1, x2 + 1, y2 + 1);
    }

    /// <summary>Bounds of mask pixels equal to <paramref name="value"/>.</summary>
    public static BoxXyxy? MaskBounds(byte[] mask, int width, byte value)
    {
        int x1 = int.MaxValue, y1 = int.MaxValue, x2 = -1, y2 = -1;
        for (int i = 0; i < mask.Length; i++)
            if (mask[i] == value)
            {
                int x = i % width, y = i / width;
                x1 = Math.Min(x1, x); y1 = Math.Min(y1, y); x2 = Math.Max(x2, x); y2 = Math.Max(y2, y);
            }
        return x2 < 0 ? null : new BoxXyxy(x1, y1, x2 + 1, y2 + 1);
    }

    static readonly byte[] Grey = { 128, 128, 128 };

    /// <summary>The scene colour (background, rectangle colours, fill grey) nearest to a pixel.</summary>
    public static byte[] Nearest(RgbImage img, int x, int y)
    {
        int o = img.Offset(x, y);
        byte[] best = Background; int bestD = int.MaxValue;
        foreach (var c in RectColors.Append(Background).Append(Grey))
        {
            int d = 0;
            for (int k = 0; k < 3; k++) { int e = img.Pixels[o + k] - c[k]; d += e * e; }
            if (d < bestD) { bestD = d; best = c; }
        }
        return best;
    }

    public static bool IsColor(RgbImage img, int x, int y, byte[] c)
    {
        int o = img.Offset(x, y);
        return img.Pixels[o] == c[0] && img.Pixels[o + 1] == c[1] && img.Pixels[o + 2] == c[2];
    }

    public static void AssertBoxNear(BoxXyxy expected, BoxXyxy? actual, double tol, string what)
    {
        Assert.True(actual.HasValue, $"{what}: no pixels found, expected {expected}");
        var a = actual!.Value;
        bool ok = Math.Abs(a.X1 - expected.X1) <= tol && Math.Abs(a.Y1 - expected.Y1) <= tol
               && Math.Abs(a.X2 - expected.X2) <= tol && Math.Abs(a.Y2 - expected.Y2) <= tol;
        Assert.True(ok, $"{what}: pixel bounds {a} vs box {expected} differ by more than {tol}");
    }

    /// <summary>A deep copy (for checking that ops leave their input alone).</summary>
    public static LabelledImage DeepCopy(LabelledImage s) => new()
    {
        ImageId = s.ImageId, Image = s.Image.Clone(), Boxes = (BoxXyxy[])s.Boxes.Clone(), Labels = (int[])s.Labels.Clone(),
        Mask = (byte[]?)s.Mask?.Clone(),
    };

    public static void AssertSame(LabelledImage expected, LabelledImage actual)
    {
        Assert.Equal(expected.ImageId, actual.ImageId);
        Assert.Equal(expected.Image.Width, actual.Image.Width);
        Assert.Equal(expected.Image.Height, actual.Image.Height);
        Assert.Equal(expected.Image.Pixels, actual.Image.Pixels);
        Assert.Equal(expected.Boxes, actual.Boxes);
        Assert.Equal(expected.Labels, actual.Labels);
        Assert.Equal(expected.Mask, actual.Mask);
    }
}
