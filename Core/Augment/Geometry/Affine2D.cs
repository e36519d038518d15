namespace Repro.Core.Augment.Geometry;

/// <summary>
/// A 2-D affine map in continuous pixel coordinates (pixel (i, j) covers [i, i+1) × [j, j+1), its centre is
/// (i + 0.5, j + 0.5)): x' = A·x + B·y + C, y' = D·x + E·y + F.
/// </summary>
public readonly record struct Affine2D(double A, double B, double C, double D, double E, double F)
{
    public static Affine2D Identity => new(1, 0, 0, 0, 1, 0);

    public static Affine2D Translation(double dx, double dy) => new(1, 0, dx, 0, 1, dy);

    public static Affine2D Scale(double sx, double sy) => new(sx, 0, 0, 0, sy, 0);

    /// <summary>x' = x + k·y (shear parallel to the x axis about the origin, as the AutoAugment reference does).</summary>
    public static Affine2D ShearX(double k) => new(1, k, 0, 0, 1, 0);

    /// <summary>y' = y + k·x.</summary>
    public static Affine2D ShearY(double k) => new(1, 0, 0, k, 1, 0);

    /// <summary>Rotation by <paramref name="degrees"/> about (cx, cy); positive turns clockwise on screen (y points down).</summary>
    public static Affine2D Rotation(double degrees, double cx, double cy)
    {
        double r = degrees * Math.PI / 180, c = Math.Cos(r), s = Math.Sin(r);
        // x' = c(x-cx) - s(y-cy) + cx ; y' = s(x-cx) + c(y-cy) + cy
        return new(c, -s, cx - c * cx + s * cy, s, c, cy - s * cx - c * cy);
    }

    /// <summary>Mirror x about the vertical line x = width/2.</summary>
    public static Affine2D FlipX(double width) => new(-1, 0, width, 0, 1, 0);

    public (double X, double Y) Apply(double x, double y) => (A * x + B * y + C, D * x + E * y + F);

    /// <summary>This map after <paramref name="first"/>: (this ∘ first)(p) = this(first(p)).</summary>
    public Affine2D After(Affine2D first) => new(
        A * first.A + B * first.D, A * first.B + B * first.E, A * first.C + B * first.F + C,
        D * first.A + E * first.D, D * first.B + E * first.E, D * first.C + E * first.F + F);

    public Affine2D Inverse()
    {
        double det = A * E - B * D;
        if (Math.Abs(det) < 1e-12) throw new InvalidOperationException($"affine map {this} is singular");
        double ia = E / det, ib = -B / det, id = -D / det, ie = A / det;
        return new(ia, ib, -(ia * C + ib * F), id, ie, -(id * C + ie * F));
    }
}
