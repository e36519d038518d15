namespace Repro.Core.Evaluation.Coco;

/// <summary>
/// An object-size bucket for COCO evaluation: annotations whose <c>area</c> field lies in [Min, Max]
/// (closed at both ends, as pycocotools compares) are evaluated; the others are ignored for that bucket.
/// </summary>
public sealed record AreaRange
{
    /// <summary>Summary label: "all", "small", "medium" or "large" for the standard summary.</summary>
    public string Label { get; init; } = "all";
    public double Min { get; init; }
    public double Max { get; init; } = 1e10;

    public AreaRange() { }
    public AreaRange(string label, double min, double max) { Label = label; Min = min; Max = max; }

    /// <summary>True when <paramref name="area"/> is inside the closed range [Min, Max].</summary>
    public bool Contains(double area) => !(area < Min || area > Max);
}
