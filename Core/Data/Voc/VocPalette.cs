namespace Repro.Core.Data.Voc;

/// <summary>
/// PASCAL VOC's colour map for SegmentationClass PNGs: class k's colour comes from interleaving the bits of k
/// into the high bits of R, G, B; 255 (boundary / ignore) is (224, 224, 192). The miniature's segmentation set is
/// written with the same colours, so one reader serves both.
/// </summary>
public static class VocPalette
{
    public const byte Ignore = 255;
    static readonly (byte R, byte G, byte B)[] Colors = Enumerable.Range(0, 256).Select(ColorOf).ToArray();
    static readonly Dictionary<int, byte> IndexByRgb =
        Enumerable.Range(0, 256).ToDictionary(k => Pack(Colors[k]), k => (byte)k);

    static (byte, byte, byte) ColorOf(int k)
    {
        int r = 0, g = 0, b = 0, c = k;
        for (int j = 0; j < 8; j++)
        {
            r |= ((c >> 0) & 1) << (7 - j);
            g |= ((c >> 1) & 1) << (7 - j);
            b |= ((c >> 2) & 1) << (7 - j);
            c >>= 3;
        }
        return ((byte)r, (byte)g, (byte)b);
    }

    static int Pack((byte R, byte G, byte B) c) => (c.R << 16) | (c.G << 8) | c.B;

    public static (byte R, byte G, byte B) Color(byte classIndex) => Colors[classIndex];

    /// <summary>The class index of a palette colour; false for a colour not in the palette.</summary>
    public static bool TryIndex(byte r, byte g, byte b, out byte index) => IndexByRgb.TryGetValue((r << 16) | (g << 8) | b, out index);
}
