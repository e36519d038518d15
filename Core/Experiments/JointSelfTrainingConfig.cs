using Repro.Core.Augment.Classification;

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
    /// <summary>Folder-per-class classification pool (root/&lt;class&gt;/images).</summary>
    public string ClassificationTrainRoot { get; init; } = "";
    /// <summary>Classification images per step.</summary>
    public int ClassificationBatchSize { get; init; } = 32;
    /// <summary>w, the weight of the classification loss.</summary>
    public double ClassificationWeight { get; init; } = 1.0;
    /// <summary>Classification augmentation; null = random-resized crop + flip to the detector's input size.</summary>
    public ClassificationAugmentConfig? ClassificationAugment { get; init; }

    /// <summary>The classification side as a joint-training config over the student's detection config (one place
    /// for its defaults and checks).</summary>
    public JointTrainingConfig ClassificationSide() => new()
    {
        Detection = SelfTraining.Student,
        ClassificationTrainRoot = ClassificationTrainRoot,
        ClassificationBatchSize = ClassificationBatchSize,
        ClassificationWeight = ClassificationWeight,
        ClassificationAugment = ClassificationAugment,
    };

    /// <summary>Checks every field; <see cref="ArgumentException"/> naming the first bad one.</summary>
    public void Validate()
    {
        if (SelfTraining is null) throw new ArgumentException("JointSelfTrainingConfig.SelfTraining must not be null", nameof(SelfTraining));
        SelfTraining.Validate();
        try { ClassificationSide().Validate(); }
        catch (ArgumentException e) when (e.Message.StartsWith("JointTrainingConfig.", StringComparison.Ordinal))
        {
            throw new ArgumentException("JointSelfTrainingConfig." + e.Message["JointTrainingConfig.".Length..], e.ParamName, e);
        }
    }
}
