using SkiaSharp;
using Repro.Core;

namespace Repro.Core.Data.Images;

/// <summary>Decoding (PNG, JPEG, anything Skia reads) and PNG encoding of <see cref="RgbImage"/>s.</summary>
public static class ImageIO
{
    /// <summary>Decodes an image file to RGB; a clear <see cref="InvalidDataException"/> naming the file if it cannot.</summary>
    public static RgbImage Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"image file not found: {path}", path);
        using var data = SKData.Create(path) ?? throw new InvalidDataException($"cannot read image file {path}");
        return Decode(data, path);
    }

    public static RgbImage Decode(byte[] bytes, string nameForErrors)
    {
        using var data = SKData.CreateCopy(bytes);
        return Decode(data, nameForErrors);
    }

    static RgbImage Decode(SKData data, string name)
    {
        using var codec = SKCodec.Create(data) ?? throw new InvalidDataException($"{name}: not a readable image (unknown or corrupt format)");
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var bitmap = new SKBitmap(info);
        var result = codec.GetPixels(info, bitmap.GetPixels());
        if (result != SKCodecResult.Success && result != SKCodecResult.IncompleteInput)
            throw new InvalidDataException($"{name}: image decoding failed ({result})");
        return FromRgba(bitmap.GetPixelSpan(), info.Width, info.Height);
    }

    static RgbImage FromRgba(ReadOnlySpan<byte> rgba, int w, int h)
    {
        var img = new RgbImage(w, h);
        var px = img.Pixels;
        for (int i = 0, j = 0; i < w * h; i++, j += 4)
        {
            px[3 * i] = rgba[j];
            px[3 * i + 1] = rgba[j + 1];
            px[3 * i + 2] = rgba[j + 2];
        }
        return img;
    }

    public static SKBitmap ToBitmap(RgbImage img)
    {
        var bmp = new SKBitmap(new SKImageInfo(img.Width, img.Height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        var span = bmp.GetPixelSpan();
        unsafe
        {
            var dst = (byte*)bmp.GetPixels();
            var px = img.Pixels;
            for (int i = 0; i < img.Width * img.Height; i++)
            {
                dst[4 * i] = px[3 * i];
                dst[4 * i + 1] = px[3 * i + 1];
                dst[4 * i + 2] = px[3 * i + 2];
                dst[4 * i + 3] = 255;
            }
        }
        return bmp;
    }

    /// <summary>PNG bytes of the image (lossless, deterministic for identical pixels).</summary>
    public static byte[] EncodePng(RgbImage img)
    {
        using var bmp = ToBitmap(img);
        return EncodePng(bmp);
    }

    public static byte[] EncodePng(SKBitmap bmp)
    {
        using var image = SKImage.FromBitmap(bmp);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    /// <summary>Writes a PNG atomically (temp file + rename), so a reader never sees half a file.</summary>
    public static void SavePng(RgbImage img, string path) => AtomicFile.WriteAllBytes(path, EncodePng(img));
}
