using Repro.Core.Augment.Classification;

namespace Repro.Core.Experiments;

/// <summary>
/// Joint training (Zoph et al. 2020, §4.3): detection on the labelled set and image classification on a
/// classification pool trained together through a shared backbone, L = L_det + w·L_cls; evaluated on detection.
/// A run is a pure function of this config (its seed included).
/// </summary>
public sealed record JointTrainingConfig
{
    /// <summary>The detection side: data and fraction, detector, augmentation, trainer, batch size, seed, initialization.</summary>
    public DetectionExperimentConfig Detection { get; init; } = new();
    /// <summary>Folder-per-class classification pool (root/&lt;class&gt;/images).</summary>
    public string ClassificationTrainRoot { get; init; } = "";
    /// <summary>Classification images per step.</summary>
    public int ClassificationBatchSize { get; init; } = 32;
    /// <summary>w, the weight of the classification loss.</summary>
    public double ClassificationWeight { get; init; } = 1.0;
    /// <summary>Classification augmentation; null = random-resized crop + flip to the detector's input size.</summary>
    public ClassificationAugmentConfig? ClassificationAugment { get; init; }

    /// <summary>The augmentation used: <see cref="ClassificationAugment"/> or the default for the detector's input size.</summary>
    public ClassificationAugmentConfig EffectiveClassificationAugment() =>
        ClassificationAugment ?? new ClassificationAugmentConfig { OutputSize = Detection.Detector.InputSize };

    /// <summary>Checks every field; <see cref="ArgumentException"/> naming the first bad one.</summary>
    public void Validate()
    {
        const string p = "JointTrainingConfig.";
        if (Detection is null) throw new ArgumentException($"{p}Detection must not be null", nameof(Detection));
        Detection.Validate();
        if (string.IsNullOrWhiteSpace(ClassificationTrainRoot)) throw new ArgumentException($"{p}ClassificationTrainRoot is empty", nameof(ClassificationTrainRoot));
        if (!Directory.Exists(ClassificationTrainRoot))
            throw new ArgumentException($"{p}ClassificationTrainRoot: folder not found: {ClassificationTrainRoot}", nameof(ClassificationTrainRoot));
        if (ClassificationBatchSize < 1) throw new ArgumentException($"{p}ClassificationBatchSize must be >= 1, got {ClassificationBatchSize}", nameof(ClassificationBatchSize));
        if (!(ClassificationWeight >= 0 && double.IsFinite(ClassificationWeight)))
            throw new ArgumentException($"{p}ClassificationWeight must be a finite number >= 0, got {ClassificationWeight}", nameof(ClassificationWeight));
        ClassificationAugment?.Validate();
    }
}
