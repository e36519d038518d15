namespace Repro.Core.Data.Images;

/// <summary>
/// An 8-bit RGB image in row-major HWC order (pixel (x, y) channel c at <c>(y * Width + x) * 3 + c</c>).
/// The common currency of the data layer and the augmentations; converted to a float tensor only at batching.
/// </summary>
public sealed class RgbImage
{
    public int Width { get; }
    public int Height { get; }
    public byte[] Pixels { get; }

    public RgbImage(int width, int height, byte[]? pixels = null)
    {
        if (width <= 0 || height <= 0) throw new ArgumentOutOfRangeException(nameof(width), $"image size {width}x{height} must be positive");
        Width = width;
        Height = height;
        Pixels = pixels ?? new byte[checked(width * height * 3)];
        if (Pixels.Length != width * height * 3)
            throw new ArgumentException($"pixel buffer has {Pixels.Length} bytes, expected {width * height * 3} for {width}x{height} RGB", nameof(pixels));
    }

    public RgbImage Clone() => new(Width, Height, (byte[])Pixels.Clone());

    public int Offset(int x, int y) => (y * Width + x) * 3;
}
