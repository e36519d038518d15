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
    /// <summary>The classification term: pool, images per step, weight w, augmentation.</summary>
    public ClassificationObjectiveConfig Classification { get; init; } = new();

    /// <summary>Checks every field; <see cref="ArgumentException"/> naming the first bad one.</summary>
    public void Validate()
    {
        const string p = "JointTrainingConfig.";
        if (Detection is null) throw new ArgumentException($"{p}Detection must not be null", nameof(Detection));
        Detection.Validate();
        if (Classification is null) throw new ArgumentException($"{p}Classification must not be null", nameof(Classification));
        Classification.Validate($"{p}Classification.");
    }
}
