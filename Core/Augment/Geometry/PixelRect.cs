namespace Repro.Core.Augment.Geometry;

/// <summary>An integer pixel rectangle [X, X+Width) × [Y, Y+Height) inside an image.</summary>
public readonly record struct PixelRect(int X, int Y, int Width, int Height)
{
    public int Right => X + Width;
    public int Bottom => Y + Height;
    public bool IsEmpty => Width <= 0 || Height <= 0;

    /// <summary>The pixels a box covers (any part of), clipped to a width × height image; may be empty.</summary>
    public static PixelRect Covering(Data.BoxXyxy box, int width, int height)
    {
        int x1 = Math.Clamp((int)Math.Floor(box.X1), 0, width), y1 = Math.Clamp((int)Math.Floor(box.Y1), 0, height);
        int x2 = Math.Clamp((int)Math.Ceiling(box.X2), 0, width), y2 = Math.Clamp((int)Math.Ceiling(box.Y2), 0, height);
        return new(x1, y1, Math.Max(0, x2 - x1), Math.Max(0, y2 - y1));
    }
}
