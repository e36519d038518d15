namespace Repro.Core.Data.Miniature;

/// <summary>
/// The exact geometry of each shape in its local frame: (u, v) in [-1, 1]² (u right, v down), before the object's
/// scale, aspect and rotation are applied. A pixel belongs to an object when its centre is inside.
/// </summary>
public static class ShapeGeometry
{
    const double PlusArm = 0.34;        // half-thickness of the plus's bars
    const double RingInner = 0.5;       // inner radius of the ring (outer = 1)
    const double HollowInner = 0.55;    // inner half-size of the hollow square
    const double StarInner = 0.45;      // inner radius of the 5-point star

    static readonly (double U, double V)[] StarPolygon = RegularStar(5, 1.0, StarInner);
    static readonly (double U, double V)[] HexagonPolygon = RegularPolygon(6);
    static readonly (double U, double V)[] PentagonPolygon = RegularPolygon(5);
    static readonly (double U, double V)[] ArrowPolygon =
        { (-1, -0.3), (0.1, -0.3), (0.1, -0.9), (1, 0), (0.1, 0.9), (0.1, 0.3), (-1, 0.3) };
    static readonly (double U, double V)[] LPolygon = { (-1, -1), (-0.3, -1), (-0.3, 0.4), (1, 0.4), (1, 1), (-1, 1) };
    static readonly (double U, double V)[] TrapezoidPolygon = { (-0.5, -1), (0.5, -1), (1, 1), (-1, 1) };

    /// <summary>True when the local point (u, v) is inside <paramref name="shape"/>.</summary>
    public static bool Contains(ShapeKind shape, double u, double v)
    {
        double au = Math.Abs(u), av = Math.Abs(v), r2 = u * u + v * v;
        return shape switch
        {
            ShapeKind.Disc or ShapeKind.Ellipse => r2 <= 1,
            ShapeKind.Square => au <= 1 && av <= 1,
            ShapeKind.Triangle => v <= 1 && v >= 2 * au - 1,
            ShapeKind.Plus => (au <= 1 && av <= PlusArm) || (au <= PlusArm && av <= 1),
            ShapeKind.Ring => r2 <= 1 && r2 >= RingInner * RingInner,
            ShapeKind.HollowSquare => Math.Max(au, av) <= 1 && Math.Max(au, av) >= HollowInner,
            ShapeKind.Star => InPolygon(StarPolygon, u, v),
            ShapeKind.Hexagon => InPolygon(HexagonPolygon, u, v),
            ShapeKind.Pentagon => InPolygon(PentagonPolygon, u, v),
            ShapeKind.Crescent => r2 <= 1 && (u - 0.5) * (u - 0.5) + v * v >= 0.8 * 0.8,
            ShapeKind.Semicircle => v <= 1 && u * u + (v - 1) * (v - 1) / 4 <= 1,
            ShapeKind.Arrow => InPolygon(ArrowPolygon, u, v),
            ShapeKind.LShape => InPolygon(LPolygon, u, v),
            ShapeKind.TShape => (au <= 1 && Math.Abs(v + 0.65) <= 0.35) || (au <= 0.3 && av <= 1),
            ShapeKind.Trapezoid => InPolygon(TrapezoidPolygon, u, v),
            ShapeKind.Capsule => av <= 0.5 && (au <= 0.5 || (au - 0.5) * (au - 0.5) + v * v <= 0.25),
            _ => throw new ArgumentOutOfRangeException(nameof(shape), shape, "unknown shape"),
        };
    }

    /// <summary>The allowed aspect (local height / width) range: discs and rings stay round, ellipses stay
    /// clearly elongated so that no two categories can be drawn identically.</summary>
    public static (double Min, double Max) AspectRange(ShapeKind shape) => shape switch
    {
        ShapeKind.Disc or ShapeKind.Ring => (1, 1),
        ShapeKind.Ellipse => (0.35, 0.6),
        ShapeKind.Square or ShapeKind.Star or ShapeKind.Hexagon or ShapeKind.Pentagon => (0.85, 1.15),
        _ => (0.75, 1.33),
    };

    /// <summary>Even-odd point-in-polygon test.</summary>
    static bool InPolygon((double U, double V)[] poly, double u, double v)
    {
        bool inside = false;
        for (int i = 0, j = poly.Length - 1; i < poly.Length; j = i++)
        {
            var (ui, vi) = poly[i];
            var (uj, vj) = poly[j];
            if ((vi > v) != (vj > v) && u < (uj - ui) * (v - vi) / (vj - vi) + ui) inside = !inside;
        }
        return inside;
    }

    static (double, double)[] RegularPolygon(int n) =>
        Enumerable.Range(0, n).Select(k => (Math.Sin(2 * Math.PI * k / n), -Math.Cos(2 * Math.PI * k / n))).ToArray();

    static (double, double)[] RegularStar(int points, double outer, double inner) =>
        Enumerable.Range(0, 2 * points).Select(k =>
        {
            double r = k % 2 == 0 ? outer : inner, a = Math.PI * k / points;
            return (r * Math.Sin(a), -r * Math.Cos(a));
        }).ToArray();
}
