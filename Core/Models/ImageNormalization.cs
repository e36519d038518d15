using Repro.Core.Data.Images;
using static TorchSharp.torch;

namespace Repro.Core.Models;

/// <summary>
/// Turns a batch of <see cref="RgbImage"/>s into the float tensor [B, 3, H, W] models take: (pixel/255 − mean)/std per
/// channel. The default mean/std are ImageNet's (what the ImageNet-pre-trained backbones expect).
/// </summary>
public sealed record ImageNormalization
{
    public double[] Mean { get; init; } = { 0.485, 0.456, 0.406 };
    public double[] Std { get; init; } = { 0.229, 0.224, 0.225 };

    public static ImageNormalization ImageNet { get; } = new();

    /// <summary>Normalised batch [B, 3, H, W] float32 on <paramref name="device"/>; all images must share one size.</summary>
    public Tensor ToTensor(IReadOnlyList<RgbImage> images, Device? device = null)
    {
        if (images.Count == 0) throw new ArgumentException("cannot normalise an empty batch", nameof(images));
        if (Mean.Length != 3 || Std.Length != 3) throw new ArgumentException($"Mean and Std need 3 values each, got {Mean.Length} and {Std.Length}");
        if (Std.Any(s => s <= 0)) throw new ArgumentException($"Std must be positive, got [{string.Join(",", Std)}]");
        int w = images[0].Width, h = images[0].Height, plane = w * h;
        var data = new float[images.Count * 3 * plane];
        Span<float> scale = stackalloc float[3], shift = stackalloc float[3];
        for (int c = 0; c < 3; c++) { scale[c] = (float)(1.0 / (255.0 * Std[c])); shift[c] = (float)(-Mean[c] / Std[c]); }
        for (int b = 0; b < images.Count; b++)
        {
            var img = images[b];
            if (img.Width != w || img.Height != h)
                throw new ArgumentException($"image {b} is {img.Width}x{img.Height}, batch size is {w}x{h}", nameof(images));
            var px = img.Pixels;
            int o = b * 3 * plane;
            for (int i = 0; i < plane; i++)
            {
                data[o + i] = px[3 * i] * scale[0] + shift[0];
                data[o + plane + i] = px[3 * i + 1] * scale[1] + shift[1];
                data[o + 2 * plane + i] = px[3 * i + 2] * scale[2] + shift[2];
            }
        }
        var t = tensor(data, new long[] { images.Count, 3, h, w });
        return device is null ? t : t.to(device);
    }
}
