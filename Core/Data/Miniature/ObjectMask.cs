namespace Repro.Core.Data.Miniature;

/// <summary>
/// The pixels one object covers (its full extent, before any occlusion), clipped to the image: a window
/// [X0, X0+Width) × [Y0, Y0+Height) with a row-major coverage bitmap, plus the count of covered pixels that fall
/// outside the image (truncation).
/// </summary>
public sealed class ObjectMask
{
    public int X0 { get; }
    public int Y0 { get; }
    public int Width { get; }
    public int Height { get; }
    public bool[] Covered { get; }
    /// <summary>Covered pixels inside the image.</summary>
    public int InImageArea { get; }
    /// <summary>Covered pixels including those outside the image.</summary>
    public int FullArea { get; }

    ObjectMask(int x0, int y0, int w, int h, bool[] covered, int inImage, int full)
    {
        (X0, Y0, Width, Height, Covered, InImageArea, FullArea) = (x0, y0, w, h, covered, inImage, full);
    }

    public bool Contains(int x, int y) =>
        x >= X0 && x < X0 + Width && y >= Y0 && y < Y0 + Height && Covered[(y - Y0) * Width + (x - X0)];

    /// <summary>Rasterises <paramref name="p"/> on a <paramref name="imageWidth"/>×<paramref name="imageHeight"/>
    /// grid by testing each pixel centre (exact, no anti-aliasing, so masks, areas and boxes agree with the image).</summary>
    public static ObjectMask Rasterize(ShapePlacement p, int imageWidth, int imageHeight)
    {
        var (ex, ey) = p.Extent;
        int fx0 = (int)Math.Floor(p.CenterX - ex) - 1, fx1 = (int)Math.Ceiling(p.CenterX + ex) + 1;
        int fy0 = (int)Math.Floor(p.CenterY - ey) - 1, fy1 = (int)Math.Ceiling(p.CenterY + ey) + 1;
        int x0 = Math.Max(0, fx0), x1 = Math.Min(imageWidth, fx1), y0 = Math.Max(0, fy0), y1 = Math.Min(imageHeight, fy1);
        int w = Math.Max(0, x1 - x0), h = Math.Max(0, y1 - y0);
        var covered = new bool[w * h];
        int inImage = 0, full = 0;
        double cos = Math.Cos(p.Rotation), sin = Math.Sin(p.Rotation);
        for (int y = fy0; y < fy1; y++)
            for (int x = fx0; x < fx1; x++)
            {
                if (!p.CoversPixel(x, y, cos, sin)) continue;
                full++;
                if (x < x0 || x >= x1 || y < y0 || y >= y1) continue;
                covered[(y - y0) * w + (x - x0)] = true;
                inImage++;
            }
        return new ObjectMask(x0, y0, w, h, covered, inImage, full);
    }

    /// <summary>The tight pixel box of the covered in-image pixels as (x0, y0, x1, y1) with exclusive x1/y1, i.e.
    /// continuous corners; null when nothing is inside the image.</summary>
    public (int X0, int Y0, int X1, int Y1)? TightBox()
    {
        int minX = int.MaxValue, minY = int.MaxValue, maxX = -1, maxY = -1;
        for (int y = 0; y < Height; y++)
            for (int x = 0; x < Width; x++)
            {
                if (!Covered[y * Width + x]) continue;
                minX = Math.Min(minX, x); maxX = Math.Max(maxX, x);
                minY = Math.Min(minY, y); maxY = Math.Max(maxY, y);
            }
        return maxX < 0 ? null : (X0 + minX, Y0 + minY, X0 + maxX + 1, Y0 + maxY + 1);
    }
}
