namespace Repro.Core.Augment.Geometry;

/// <summary>
/// Rotate_BBox: rotation about the image centre by ±level·30/10 degrees; each box becomes the axis-aligned bounds of
/// its rotated corners (so it grows), as in the reference.
/// </summary>
public sealed class Rotate : AffineOp
{
    readonly double _degrees;

    public Rotate(double degrees, byte imageFill = 128, byte maskFill = 255, float minBoxSize = 1,
                  double referenceSize = 640, string? name = null)
        : base(imageFill, maskFill, minBoxSize, referenceSize)
    {
        _degrees = degrees;
        Name = name ?? "Rotate_BBox";
    }

    public override string Name { get; }

    public override Affine2D Forward(int width, int height, double pixelScale, double sign) =>
        Affine2D.Rotation(sign * _degrees, width / 2.0, height / 2.0);
}
