namespace Repro.Core.Data.Miniature;

/// <summary>
/// One drawn object. <see cref="Label"/> is its class index in the scene's label space (detection shapes, or the
/// classification class for a classification image's dominant object; -1 for an unlabelled distractor).
/// <see cref="Box"/> is the tight box of the object's full extent (occluded parts included) clipped to the image,
/// in continuous corners; <see cref="VisibleArea"/> counts the pixels that show it in the final image.
/// </summary>
public sealed record SceneObject(int Label, ShapePlacement Placement, ObjectTexture Texture, ObjectMask Mask,
                                 (int X0, int Y0, int X1, int Y1) Box)
{
    /// <summary>Pixels of the final image showing this object (set once all objects are drawn).</summary>
    public int VisibleArea { get; internal set; }

    /// <summary>True when the object is cut by the image border (part of it lies outside).</summary>
    public bool Truncated => Mask.FullArea > Mask.InImageArea;
}
