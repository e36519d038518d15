using SkiaSharp;

namespace Repro.Core.Data.Images;

/// <summary>
/// A grid of samples with their boxes (and masks, tinted) drawn, saved as PNG: for a person to look at data,
/// augmentations and predictions (`repro data show`, `repro aug show`).
/// </summary>
public static class ContactSheet
{
    /// <summary>Distinct colours for class indices (cycled).</summary>
    static readonly SKColor[] Palette =
    {
        new(230, 25, 75), new(60, 180, 75), new(255, 225, 25), new(0, 130, 200), new(245, 130, 48),
        new(145, 30, 180), new(70, 240, 240), new(240, 50, 230), new(210, 245, 60), new(250, 190, 212),
    };

    public static SKColor ColorOf(int label) => Palette[((label % Palette.Length) + Palette.Length) % Palette.Length];

    /// <param name="samples">Images with boxes/labels/masks.</param>
    /// <param name="classNames">Optional names drawn beside each box.</param>
    /// <param name="scale">Integer upscaling of each tile (small miniature images are hard to see at 1×).</param>
    /// <param name="captions">Optional caption per tile.</param>
    public static void Save(string path, IReadOnlyList<LabelledImage> samples, int columns = 8, int scale = 3,
                            IReadOnlyList<string>? classNames = null, IReadOnlyList<string>? captions = null)
    {
        if (samples.Count == 0) throw new ArgumentException("no samples to draw", nameof(samples));
        int tileW = samples.Max(s => s.Image.Width) * scale, tileH = samples.Max(s => s.Image.Height) * scale;
        int captionH = captions != null ? 14 : 0, pad = 4;
        columns = Math.Min(columns, samples.Count);
        int rows = (samples.Count + columns - 1) / columns;
        using var sheet = new SKBitmap(columns * (tileW + pad) + pad, rows * (tileH + captionH + pad) + pad);
        using var canvas = new SKCanvas(sheet);
        canvas.Clear(new SKColor(40, 40, 40));
        using var font = new SKPaint { Color = SKColors.White, TextSize = 10, IsAntialias = true };
        for (int i = 0; i < samples.Count; i++)
        {
            var s = samples[i];
            float ox = pad + (i % columns) * (tileW + pad), oy = pad + (i / columns) * (tileH + captionH + pad);
            using (var bmp = ImageIO.ToBitmap(WithMask(s)))
                canvas.DrawBitmap(bmp, new SKRect(ox, oy, ox + s.Image.Width * scale, oy + s.Image.Height * scale),
                                  new SKPaint { FilterQuality = SKFilterQuality.None });
            for (int b = 0; b < s.Boxes.Length; b++)
            {
                var box = s.Boxes[b];
                int label = b < s.Labels.Length ? s.Labels[b] : 0;
                using var stroke = new SKPaint { Color = ColorOf(label), Style = SKPaintStyle.Stroke, StrokeWidth = 1.5f };
                canvas.DrawRect(new SKRect(ox + box.X1 * scale, oy + box.Y1 * scale, ox + box.X2 * scale, oy + box.Y2 * scale), stroke);
                if (classNames != null && label < classNames.Count)
                    canvas.DrawText(classNames[label], ox + box.X1 * scale + 2, oy + box.Y1 * scale + 10,
                                    new SKPaint { Color = ColorOf(label), TextSize = 9, IsAntialias = true });
            }
            if (captions != null && i < captions.Count)
                canvas.DrawText(captions[i], ox, oy + tileH + 11, font);
        }
        AtomicFile.WriteAllBytes(path, ImageIO.EncodePng(sheet));
    }

    /// <summary>The image with its mask tinted in (class colour at 50%, ignore pixels darkened).</summary>
    static RgbImage WithMask(LabelledImage s)
    {
        if (s.Mask == null) return s.Image;
        var img = s.Image.Clone();
        for (int i = 0; i < s.Mask.Length; i++)
        {
            byte m = s.Mask[i];
            if (m == 0) continue;
            var c = m == LabelledImage.IgnoreLabel ? new SKColor(0, 0, 0) : ColorOf(m);
            img.Pixels[3 * i] = (byte)((img.Pixels[3 * i] + c.Red) / 2);
            img.Pixels[3 * i + 1] = (byte)((img.Pixels[3 * i + 1] + c.Green) / 2);
            img.Pixels[3 * i + 2] = (byte)((img.Pixels[3 * i + 2] + c.Blue) / 2);
        }
        return img;
    }
}
