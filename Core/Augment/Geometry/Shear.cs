namespace Repro.Core.Augment.Geometry;

/// <summary>ShearX_BBox / ShearY_BBox: x' = x + k·y (or y' = y + k·x) about the top-left corner, k = ±level·0.3/10.</summary>
public sealed class Shear : AffineOp
{
    readonly double _magnitude;

    public Shear(bool horizontal, double magnitude, byte imageFill = 128, byte maskFill = 255, float minBoxSize = 1,
                 double referenceSize = 640, string? name = null)
        : base(imageFill, maskFill, minBoxSize, referenceSize)
    {
        Horizontal = horizontal;
        _magnitude = magnitude;
        Name = name ?? (horizontal ? "ShearX_BBox" : "ShearY_BBox");
    }

    public bool Horizontal { get; }
    public override string Name { get; }

    public override Affine2D Forward(int width, int height, double pixelScale, double sign)
    {
        double k = sign * _magnitude;
        return Horizontal ? Affine2D.ShearX(k) : Affine2D.ShearY(k);
    }
}
