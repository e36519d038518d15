namespace Repro.Core.Regimes.Pretraining;

/// <summary>
/// How a frozen backbone is scored: its pooled C5 features are extracted once (no augmentation) for the train and val
/// splits, standardised with the train split's statistics, and a multinomial logistic regression is fitted full-batch
/// with Adam for <see cref="Steps"/> steps; the score is its top-1 on val.
/// </summary>
public sealed record LinearProbeOptions
{
    public int Steps { get; init; } = 300;
    public double LearningRate { get; init; } = 0.05;
    /// <summary>L2 penalty ½·λ·‖W‖² on the weights (not the bias).</summary>
    public double WeightDecay { get; init; } = 1e-4;
    /// <summary>Standardise each feature (zero mean, unit variance on train) before fitting.</summary>
    public bool Standardize { get; init; } = true;
    /// <summary>Images per forward pass when extracting features.</summary>
    [ExecutionOnly]
    public int FeatureBatchSize { get; init; } = 256;

    public void Validate()
    {
        const string p = "LinearProbeOptions.";
        if (Steps <= 0) throw new ArgumentException($"{p}{nameof(Steps)} must be positive, got {Steps}", nameof(Steps));
        if (!(LearningRate > 0 && double.IsFinite(LearningRate))) throw new ArgumentException($"{p}{nameof(LearningRate)} must be positive, got {LearningRate}", nameof(LearningRate));
        if (!(WeightDecay >= 0 && double.IsFinite(WeightDecay))) throw new ArgumentException($"{p}{nameof(WeightDecay)} must be >= 0, got {WeightDecay}", nameof(WeightDecay));
        if (FeatureBatchSize <= 0) throw new ArgumentException($"{p}{nameof(FeatureBatchSize)} must be positive, got {FeatureBatchSize}", nameof(FeatureBatchSize));
    }
}
