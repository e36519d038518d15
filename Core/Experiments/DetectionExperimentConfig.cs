using Repro.Core.Augment;
using Repro.Core.Models.Detection;
using Repro.Core.Training;

namespace Repro.Core.Experiments;

/// <summary>Where a detection run's labelled and validation data live (COCO layout), and which fraction it uses.</summary>
public sealed record DetectionDataConfig
{
    public string TrainImages { get; init; } = "";
    public string TrainAnnotations { get; init; } = "";
    public string ValImages { get; init; } = "";
    public string ValAnnotations { get; init; } = "";
    /// <summary>Labelled fraction of the train split (nested subsets: 20% ⊂ 50% ⊂ 100% for one seed).</summary>
    public double Fraction { get; init; } = 1.0;
    public int FractionSeed { get; init; }
    /// <summary>Share of the train split held out of every fraction as a "minival", on which a run is also evaluated
    /// so that a schedule can be selected without looking at the val split the tables report; 0: none.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingDefault)]
    public double MinivalShare { get; init; }
    /// <summary>Upper area bound of "small" and lower bound of "large" for evaluation, in pixels². COCO's are
    /// 32² and 96² at 640 px; the miniature's are relative to its image size (its manifest says them).</summary>
    public double SmallMaxArea { get; init; } = 32 * 32;
    public double LargeMinArea { get; init; } = 96 * 96;
    /// <summary>Decoded-image cache budget (the miniature's 64 px images fit whole).</summary>
    [ExecutionOnly]
    public long ImageCacheBytes { get; init; } = 512L << 20;

    /// <summary>This data with another labelled fraction (for callers without C# `with`, e.g. F#).</summary>
    public DetectionDataConfig WithFraction(double fraction, int seed) => this with { Fraction = fraction, FractionSeed = seed };

    /// <summary>This data with a minival of <paramref name="share"/> held out of train (for F#).</summary>
    public DetectionDataConfig WithMinival(double share) => this with { MinivalShare = share };

    public void Validate()
    {
        foreach (var (name, value) in new[] { ("TrainImages", TrainImages), ("TrainAnnotations", TrainAnnotations), ("ValImages", ValImages), ("ValAnnotations", ValAnnotations) })
            if (string.IsNullOrWhiteSpace(value)) throw new ArgumentException($"DetectionDataConfig.{name} is empty", name);
        if (!(Fraction > 0 && Fraction <= 1)) throw new ArgumentException($"DetectionDataConfig.Fraction must be in (0, 1], got {Fraction}", nameof(Fraction));
        if (!(MinivalShare >= 0 && MinivalShare <= 0.5)) throw new ArgumentException($"DetectionDataConfig.MinivalShare must be in [0, 0.5], got {MinivalShare}", nameof(MinivalShare));
        if (!(SmallMaxArea > 0 && LargeMinArea > SmallMaxArea))
            throw new ArgumentException($"DetectionDataConfig: need 0 < SmallMaxArea < LargeMinArea, got {SmallMaxArea}, {LargeMinArea}", nameof(SmallMaxArea));
    }
}

/// <summary>
/// Everything a supervised detection run depends on: a run is a pure function of this config (its seed included).
/// The harness serializes it canonically and names the run by its hash.
/// </summary>
public sealed record DetectionExperimentConfig
{
    public DetectionDataConfig Data { get; init; } = new();
    public DetectorConfig Detector { get; init; } = DetectorConfig.Miniature();
    public AugmentConfig Augment { get; init; } = AugmentConfig.S1();
    public TrainerOptions Trainer { get; init; } = new();
    public int BatchSize { get; init; } = 32;
    [ExecutionOnly]
    public int EvalBatchSize { get; init; } = 64;
    public long Seed { get; init; }
    /// <summary>Pre-trained backbone weights (a state dict whose keys start with "backbone."), or null for Rand Init.</summary>
    public string? BackboneWeights { get; init; }

    public void Validate()
    {
        Data.Validate();
        Detector.Validate();
        Augment.Validate();
        Trainer.Validate();
        if (BatchSize <= 0) throw new ArgumentException($"DetectionExperimentConfig.BatchSize must be positive, got {BatchSize}", nameof(BatchSize));
        if (EvalBatchSize <= 0) throw new ArgumentException($"DetectionExperimentConfig.EvalBatchSize must be positive, got {EvalBatchSize}", nameof(EvalBatchSize));
        if (Augment.OutputSize != Detector.InputSize)
            throw new ArgumentException($"DetectionExperimentConfig: Augment.OutputSize {Augment.OutputSize} differs from Detector.InputSize {Detector.InputSize}", nameof(Augment));
        if (BackboneWeights != null && !File.Exists(BackboneWeights))
            throw new ArgumentException($"DetectionExperimentConfig.BackboneWeights: file not found: {BackboneWeights}", nameof(BackboneWeights));
    }
}
