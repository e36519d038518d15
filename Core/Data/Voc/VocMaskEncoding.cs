namespace Repro.Core.Data.Voc;

/// <summary>How class masks are stored: VOC palette colours (SegmentationClass) or grey values equal to the class
/// index (the SBD-augmented SegmentationClassAug set).</summary>
public enum VocMaskEncoding
{
    Palette,
    Index,
}
