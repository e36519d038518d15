namespace Repro.Core.Data.Miniature;

/// <summary>Every shape the miniature can draw. The first eight are the detection/segmentation categories; the rest
/// appear only in the classification pool (ImageNet's role), whose label space is related but different.</summary>
public enum ShapeKind
{
    Disc, Square, Triangle, Plus, Ring, HollowSquare, Star, Ellipse,
    Hexagon, Pentagon, Crescent, Semicircle, Arrow, LShape, TShape, Trapezoid, Capsule,
}
