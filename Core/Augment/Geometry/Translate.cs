namespace Repro.Core.Augment.Geometry;

/// <summary>
/// TranslateX_BBox / TranslateY_BBox: shifts the image content (and boxes, mask) by ±level-scaled pixels along one
/// axis (sign drawn at random), filling the uncovered strip. Inside a region (TranslateX/Y_Only_BBoxes) the box
/// constant applies (120 px at 640 instead of 250).
/// </summary>
public sealed class Translate : AffineOp
{
    readonly double _pixelsAtReference;

    /// <param name="horizontal">X axis when true, Y when false.</param>
    /// <param name="pixelsAtReference">Shift magnitude in pixels at the reference size (already mapped from the level).</param>
    public Translate(bool horizontal, double pixelsAtReference, byte imageFill = 128, byte maskFill = 255,
                     float minBoxSize = 1, double referenceSize = 640, string? name = null)
        : base(imageFill, maskFill, minBoxSize, referenceSize)
    {
        Horizontal = horizontal;
        _pixelsAtReference = pixelsAtReference;
        Name = name ?? (horizontal ? "TranslateX_BBox" : "TranslateY_BBox");
    }

    public bool Horizontal { get; }
    public override string Name { get; }

    public override Affine2D Forward(int width, int height, double pixelScale, double sign)
    {
        // Whole pixels, as the reference shifts by an integer count.
        double shift = sign * Math.Round(_pixelsAtReference * pixelScale);
        return Horizontal ? Affine2D.Translation(shift, 0) : Affine2D.Translation(0, shift);
    }
}
