namespace Repro.Core.Data.Coco;

/// <summary>
/// How <see cref="CocoReader"/> treats an instances file. Structural problems (malformed JSON, missing fields,
/// duplicate or dangling ids, bbox not [x,y,w,h] of finite numbers, negative box sizes, unsafe file names, missing
/// image files) are always errors. Box geometry relative to the image follows a documented policy:
/// boxes partly outside the image are clipped to it; boxes wholly outside, and boxes whose clipped width or height
/// is at most <see cref="MinBoxSide"/> pixels (degenerate), are skipped with a warning in the
/// <see cref="CocoReadReport"/>. <see cref="Strict"/> turns those warnings into errors.
/// </summary>
public sealed record CocoReadOptions
{
    /// <summary>Clip boxes to the image and skip degenerate / wholly-outside boxes. False keeps boxes as written
    /// (evaluation ground truth may want that); structural validation still applies.</summary>
    public bool SanitizeBoxes { get; init; } = true;

    /// <summary>A clipped box whose width or height is at most this many pixels is skipped as degenerate.</summary>
    public double MinBoxSide { get; init; } = 1.0;

    /// <summary>Treat skipped boxes (degenerate, wholly outside) as errors instead of warnings.</summary>
    public bool Strict { get; init; }

    /// <summary>When an images root is given: check up front that every image file exists.</summary>
    public bool CheckImageFiles { get; init; } = true;

    /// <summary>Require the "annotations" section (image-info files such as COCO's unlabeled2017 have none).</summary>
    public bool RequireAnnotations { get; init; } = true;
}
