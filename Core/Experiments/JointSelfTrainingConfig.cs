namespace Repro.Core.Experiments;

/// <summary>
/// "w/ All" (Zoph et al. 2020, §4.3, the joint-training table's last row): a self-training student (human + pseudo
/// labels, loss normalization) that is at the same time joint-trained on image classification through its backbone,
/// L = L_h + α·(L̄_h/L̄_p)·L_p + w·L_cls; with a pre-trained init, all three uses of the extra data at once.
/// A run is a pure function of this config (its seed included) and the pseudo-label file.
/// </summary>
public sealed record JointSelfTrainingConfig
{
    /// <summary>The student, its pseudo labels and its loss normalization, exactly as a self-training run.</summary>
    public SelfTrainingConfig SelfTraining { get; init; } = new();
    /// <summary>The classification term, as in joint training.</summary>
    public ClassificationObjectiveConfig Classification { get; init; } = new();

    /// <summary>Checks every field; <see cref="ArgumentException"/> naming the first bad one.</summary>
    public void Validate()
    {
        if (SelfTraining is null) throw new ArgumentException("JointSelfTrainingConfig.SelfTraining must not be null", nameof(SelfTraining));
        SelfTraining.Validate();
        if (Classification is null) throw new ArgumentException("JointSelfTrainingConfig.Classification must not be null", nameof(Classification));
        Classification.Validate("JointSelfTrainingConfig.Classification.");
    }
}
