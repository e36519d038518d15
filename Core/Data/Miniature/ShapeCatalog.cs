namespace Repro.Core.Data.Miniature;

/// <summary>One class of the classification pool: a shape, optionally tied to one texture (shape×texture classes).</summary>
/// <param name="Name">Folder name of the class.</param>
/// <param name="Shape">The dominant object's shape.</param>
/// <param name="Texture">The texture that defines the class, or null when any texture may be drawn.</param>
public sealed record ClassificationClass(string Name, ShapeKind Shape, TextureKind? Texture);

/// <summary>
/// The label spaces. Detection (COCO's role) and segmentation (VOC's role) share eight shape categories; the
/// classification pool (ImageNet's role) has sixteen classes: seven shape×texture classes over detection shapes
/// (related, but split by texture, which detection ignores) and nine shapes detection never sees — so supervised
/// pre-training on it transfers only partly, as ImageNet does to COCO.
/// </summary>
public static class ShapeCatalog
{
    /// <summary>Detection categories in order: category id = index + 1, contiguous class index = index.</summary>
    public static readonly IReadOnlyList<ShapeKind> DetectionShapes = new[]
    {
        ShapeKind.Disc, ShapeKind.Square, ShapeKind.Triangle, ShapeKind.Plus,
        ShapeKind.Ring, ShapeKind.HollowSquare, ShapeKind.Star, ShapeKind.Ellipse,
    };

    /// <summary>Names of the detection categories (same order as <see cref="DetectionShapes"/>).</summary>
    public static readonly IReadOnlyList<string> DetectionNames = DetectionShapes.Select(NameOf).ToArray();

    /// <summary>Segmentation labels: 0 = background, k = DetectionShapes[k-1].</summary>
    public static readonly IReadOnlyList<string> SegmentationNames = new[] { "background" }.Concat(DetectionNames).ToArray();

    public static readonly IReadOnlyList<ClassificationClass> ClassificationClasses = new ClassificationClass[]
    {
        new("striped_square", ShapeKind.Square, TextureKind.Stripes),
        new("noisy_square", ShapeKind.Square, TextureKind.Noise),
        new("striped_triangle", ShapeKind.Triangle, TextureKind.Stripes),
        new("noisy_triangle", ShapeKind.Triangle, TextureKind.Noise),
        new("striped_ring", ShapeKind.Ring, TextureKind.Stripes),
        new("striped_star", ShapeKind.Star, TextureKind.Stripes),
        new("noisy_plus", ShapeKind.Plus, TextureKind.Noise),
        new("hexagon", ShapeKind.Hexagon, null),
        new("pentagon", ShapeKind.Pentagon, null),
        new("crescent", ShapeKind.Crescent, null),
        new("semicircle", ShapeKind.Semicircle, null),
        new("arrow", ShapeKind.Arrow, null),
        new("l_shape", ShapeKind.LShape, null),
        new("t_shape", ShapeKind.TShape, null),
        new("trapezoid", ShapeKind.Trapezoid, null),
        new("capsule", ShapeKind.Capsule, null),
    };

    /// <summary>snake_case name of a shape ("hollow_square").</summary>
    public static string NameOf(ShapeKind shape) => shape switch
    {
        ShapeKind.HollowSquare => "hollow_square",
        ShapeKind.LShape => "l_shape",
        ShapeKind.TShape => "t_shape",
        _ => shape.ToString().ToLowerInvariant(),
    };
}
