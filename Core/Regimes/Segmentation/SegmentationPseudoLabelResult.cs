using System.Text.Json.Serialization;

namespace Repro.Core.Regimes.Segmentation;

/// <summary>
/// Where the pseudo masks are (a VOC-layout root and image-set name, usable as
/// SegmentationExperimentConfig.PseudoMasksRoot / PseudoSet) and what they look like. Written as
/// <c>pseudo_stats.json</c> in the root. Fractions are in [0, 1].
/// </summary>
public sealed record SegmentationPseudoLabelResult
{
    /// <summary>The output folder (not serialised; set on load).</summary>
    [JsonIgnore] public string Root { get; init; } = "";
    public string SetName { get; init; } = "";
    public int Images { get; init; }
    public long Pixels { get; init; }
    /// <summary>Fraction of pixels set to 255 (teacher confidence below the threshold).</summary>
    public double IgnoredFraction { get; init; }
    /// <summary>Per class: its share of the pixels that kept a label.</summary>
    public double[] ClassShare { get; init; } = Array.Empty<double>();
    /// <summary>Against the human masks, where they exist (else null); human 255 pixels excluded.
    /// Kept pixels only: the accuracy and mIoU of the pseudo labels the student sees.</summary>
    public double? PixelAccuracy { get; init; }
    public double? MeanIou { get; init; }
    /// <summary>Every pixel's arg-max, threshold not applied: the teacher's own accuracy and mIoU on these images.</summary>
    public double? TeacherPixelAccuracy { get; init; }
    public double? TeacherMeanIou { get; init; }
    /// <summary>Fraction of the human-labelled pixels that kept a pseudo label (null without human masks).</summary>
    public double? HumanPixelCoverage { get; init; }
    public double ConfidenceThreshold { get; init; }
    /// <summary>Canonical JSON of the config and SHA-256 of the teacher weights: a later run with the same pair reuses this output.</summary>
    public string ConfigJson { get; init; } = "";
    public string TeacherWeightsHash { get; init; } = "";

    public const string StatsFileName = "pseudo_stats.json";
    [JsonIgnore] public string StatsPath => Path.Combine(Root, StatsFileName);
}
