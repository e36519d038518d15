namespace Repro.Core.Data;

/// <summary>An axis-aligned box in absolute pixel corners (x1, y1, x2, y2), continuous coordinates, no +1.</summary>
public readonly record struct BoxXyxy(float X1, float Y1, float X2, float Y2)
{
    public float Width => X2 - X1;
    public float Height => Y2 - Y1;
    public float Area => Math.Max(0, Width) * Math.Max(0, Height);

    /// <summary>From COCO's [x, y, w, h].</summary>
    public static BoxXyxy FromXywh(double x, double y, double w, double h) => new((float)x, (float)y, (float)(x + w), (float)(y + h));

    public double[] ToXywh() => new double[] { X1, Y1, X2 - X1, Y2 - Y1 };
}
