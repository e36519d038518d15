namespace Repro.Core.Augment.Geometry;

/// <summary>Mirror left-right (always; wrap in <see cref="RandomApply"/> for a flip probability). "Flip_Only_BBoxes" inside a region.</summary>
public sealed class HorizontalFlip : AffineOp
{
    public HorizontalFlip(byte imageFill = 128, byte maskFill = 255, float minBoxSize = 1, double referenceSize = 640)
        : base(imageFill, maskFill, minBoxSize, referenceSize) { }

    public override string Name => "HorizontalFlip";

    public override Affine2D Forward(int width, int height, double pixelScale, double sign) => Affine2D.FlipX(width);
}
