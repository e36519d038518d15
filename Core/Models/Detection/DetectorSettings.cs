namespace Repro.Core.Models.Detection;

/// <summary>RetinaNet head: shared convs per subnet, optional GroupNorm after each, prior probability π of the class bias.</summary>
public sealed record HeadConfig
{
    public int Convs { get; init; } = 4;
    public bool GroupNorm { get; init; }
    public int GroupNormGroups { get; init; } = 32;
    public double PriorProbability { get; init; } = 0.01;

    public void Validate()
    {
        if (Convs < 0) throw new ArgumentException($"Head.Convs must be ≥ 0, got {Convs}");
        if (PriorProbability is <= 0 or >= 1) throw new ArgumentException($"Head.PriorProbability must be in (0, 1), got {PriorProbability}");
    }
}

/// <summary>Anchor-to-box matching thresholds (IoU ≥ positive: object; &lt; negative: background; between: ignored).</summary>
public sealed record MatcherConfig
{
    public double PositiveThreshold { get; init; } = 0.5;
    public double NegativeThreshold { get; init; } = 0.4;
    public bool AllowLowQualityMatches { get; init; } = true;
}

/// <summary>
/// Training loss: focal α, γ; box loss kind and its β/δ; box-loss weight; the positive-anchor count both losses are
/// divided by (not the paper's loss normalization of self-training, which weighs human against pseudo losses): by
/// max(1, number of positive anchors in the batch), or — with <see cref="PositiveCountMomentum"/> set — by a running
/// average of it (detectron2: momentum 0.9, starting at <see cref="PositiveCountInit"/>).
/// </summary>
public sealed record LossConfig
{
    public double FocalAlpha { get; init; } = 0.25;
    public double FocalGamma { get; init; } = 2.0;
    public BoxLossKind BoxLoss { get; init; } = BoxLossKind.L1;
    /// <summary>β of smooth-L1 or δ of Huber.</summary>
    public double BoxLossParameter { get; init; } = 0.1;
    public double BoxLossWeight { get; init; } = 1.0;
    /// <summary>Divide the box loss by 4 × positives (per coordinate, as the paper's TPU release does) instead of positives.</summary>
    public bool BoxLossPerCoordinate { get; init; }
    public double? PositiveCountMomentum { get; init; }
    public double PositiveCountInit { get; init; } = 100;

    public void Validate()
    {
        if (FocalAlpha is < 0 or > 1) throw new ArgumentException($"Loss.FocalAlpha must be in [0, 1], got {FocalAlpha}");
        if (FocalGamma < 0) throw new ArgumentException($"Loss.FocalGamma must be ≥ 0, got {FocalGamma}");
        if (BoxLossParameter < 0) throw new ArgumentException($"Loss.BoxLossParameter must be ≥ 0, got {BoxLossParameter}");
        if (BoxLossWeight < 0) throw new ArgumentException($"Loss.BoxLossWeight must be ≥ 0, got {BoxLossWeight}");
        if (PositiveCountMomentum is < 0 or >= 1) throw new ArgumentException($"Loss.PositiveCountMomentum must be in [0, 1), got {PositiveCountMomentum}");
    }
}

/// <summary>Inference post-processing: score threshold, top-k per level, class-wise NMS IoU, detections kept per image.</summary>
public sealed record PostProcessConfig
{
    public double ScoreThreshold { get; init; } = 0.05;
    public int TopKPerLevel { get; init; } = 1000;
    public double NmsThreshold { get; init; } = 0.5;
    public int MaxDetections { get; init; } = 100;

    public void Validate()
    {
        if (ScoreThreshold is < 0 or >= 1) throw new ArgumentException($"PostProcess.ScoreThreshold must be in [0, 1), got {ScoreThreshold}");
        if (TopKPerLevel < 1) throw new ArgumentException($"PostProcess.TopKPerLevel must be ≥ 1, got {TopKPerLevel}");
        if (NmsThreshold is <= 0 or > 1) throw new ArgumentException($"PostProcess.NmsThreshold must be in (0, 1], got {NmsThreshold}");
        if (MaxDetections < 1) throw new ArgumentException($"PostProcess.MaxDetections must be ≥ 1, got {MaxDetections}");
    }
}
