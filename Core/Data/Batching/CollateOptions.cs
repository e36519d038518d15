namespace Repro.Core.Data.Batching;

/// <summary>
/// How samples become one batch. By default images are padded (bottom/right) to the largest height and width in the
/// batch, rounded up to <see cref="SizeDivisor"/>; with <see cref="FixedHeight"/>/<see cref="FixedWidth"/> set, every
/// batch has that size (an image larger than it is an error). Padding is 0 in normalised space (the mean colour) and
/// 255 (ignore) in masks.
/// </summary>
public sealed record CollateOptions
{
    public ImageNormalization Normalization { get; init; } = new();
    /// <summary>Pad to this height (0 = the batch's largest height).</summary>
    public int FixedHeight { get; init; }
    /// <summary>Pad to this width (0 = the batch's largest width).</summary>
    public int FixedWidth { get; init; }
    /// <summary>Round padded sizes up to a multiple of this (e.g. the largest FPN stride, 128).</summary>
    public int SizeDivisor { get; init; } = 1;
}
