namespace Repro.Core.Data.Miniature;

/// <summary>
/// Where and how big one object is: its shape's local [-1, 1]² frame is scaled to half-extents
/// (<see cref="HalfWidth"/>, <see cref="HalfHeight"/>), rotated by <see cref="Rotation"/> (radians, clockwise in
/// image coordinates) and centred at (<see cref="CenterX"/>, <see cref="CenterY"/>) in continuous pixel coordinates
/// (pixel (x, y) covers [x, x+1) × [y, y+1); its centre is (x + 0.5, y + 0.5)).
/// </summary>
public readonly record struct ShapePlacement(ShapeKind Shape, double CenterX, double CenterY,
                                             double HalfWidth, double HalfHeight, double Rotation)
{
    /// <summary>True when the centre of pixel (x, y) lies inside the shape.</summary>
    public bool CoversPixel(int x, int y) => CoversPixel(x, y, Math.Cos(Rotation), Math.Sin(Rotation));

    /// <summary><see cref="CoversPixel(int, int)"/> with cos/sin of the rotation precomputed (rasterisation loop).</summary>
    internal bool CoversPixel(int x, int y, double cos, double sin)
    {
        double dx = x + 0.5 - CenterX, dy = y + 0.5 - CenterY;
        return ShapeGeometry.Contains(Shape, (dx * cos + dy * sin) / HalfWidth, (-dx * sin + dy * cos) / HalfHeight);
    }

    /// <summary>Half-extents of the rotated local box along x and y: every covered point lies within them.</summary>
    public (double X, double Y) Extent
    {
        get
        {
            double c = Math.Abs(Math.Cos(Rotation)), s = Math.Abs(Math.Sin(Rotation));
            return (HalfWidth * c + HalfHeight * s, HalfWidth * s + HalfHeight * c);
        }
    }
}
