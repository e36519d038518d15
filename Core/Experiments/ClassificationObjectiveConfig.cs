using Repro.Core.Augment.Classification;

namespace Repro.Core.Experiments;

/// <summary>
/// The classification term of joint training (§4.3), added to a detection regime's loss: image classification on a
/// folder-per-class pool through the detector's backbone, weighted by w. Used by joint training (L_det + w·L_cls) and
/// by "w/ All" (self-training's loss + w·L_cls).
/// </summary>
public sealed record ClassificationObjectiveConfig
{
    /// <summary>Folder-per-class classification pool (root/&lt;class&gt;/images).</summary>
    public string TrainRoot { get; init; } = "";
    /// <summary>Classification images per step.</summary>
    public int BatchSize { get; init; } = 32;
    /// <summary>w, the weight of the classification loss.</summary>
    public double Weight { get; init; } = 1.0;
    /// <summary>Classification augmentation; null = random-resized crop + flip to the detector's input size.</summary>
    public ClassificationAugmentConfig? Augment { get; init; }

    /// <summary>The augmentation used: <see cref="Augment"/> or the default for a detector of <paramref name="inputSize"/>.</summary>
    public ClassificationAugmentConfig EffectiveAugment(int inputSize) => Augment ?? new ClassificationAugmentConfig { OutputSize = inputSize };

    /// <summary>Checks every field; <see cref="ArgumentException"/> naming the first bad one under <paramref name="prefix"/>
    /// (e.g. "JointTrainingConfig.Classification.").</summary>
    public void Validate(string prefix)
    {
        if (string.IsNullOrWhiteSpace(TrainRoot)) throw new ArgumentException($"{prefix}TrainRoot is empty", nameof(TrainRoot));
        if (!Directory.Exists(TrainRoot)) throw new ArgumentException($"{prefix}TrainRoot: folder not found: {TrainRoot}", nameof(TrainRoot));
        if (BatchSize < 1) throw new ArgumentException($"{prefix}BatchSize must be >= 1, got {BatchSize}", nameof(BatchSize));
        if (!(Weight >= 0 && double.IsFinite(Weight))) throw new ArgumentException($"{prefix}Weight must be a finite number >= 0, got {Weight}", nameof(Weight));
        Augment?.Validate();
    }
}
