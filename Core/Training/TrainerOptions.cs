namespace Repro.Core.Training;

/// <summary>
/// Everything that decides how a model is optimised: optimizer, learning-rate schedule, clipping, seed, device and
/// bookkeeping intervals. A plain record serialisable with System.Text.Json; a run is a pure function of these options,
/// the model's initial weights and the loss callback.
/// </summary>
/// <remarks>
/// Steps are counted from 0: step <c>s</c> is the (s+1)-th optimizer update. The learning rate used at step s is
/// <see cref="LearningRateSchedule.At"/>(s).
/// </remarks>
public sealed record TrainerOptions
{
    /// <summary>The optimizer to build.</summary>
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Sgd;

    /// <summary>Base (peak) learning rate, reached at the end of warm-up.</summary>
    public double LearningRate { get; init; } = 0.01;

    /// <summary>SGD momentum factor (ignored by AdamW).</summary>
    public double Momentum { get; init; } = 0.9;

    /// <summary>Use Nesterov momentum with SGD (requires <see cref="Momentum"/> &gt; 0).</summary>
    public bool Nesterov { get; init; }

    /// <summary>AdamW first-moment decay β1.</summary>
    public double AdamBeta1 { get; init; } = 0.9;

    /// <summary>AdamW second-moment decay β2.</summary>
    public double AdamBeta2 { get; init; } = 0.999;

    /// <summary>AdamW denominator ε.</summary>
    public double AdamEpsilon { get; init; } = 1e-8;

    /// <summary>Weight decay: an L2 term added to the gradient for SGD, decoupled decay (param *= 1 - lr·wd) for AdamW.</summary>
    public double WeightDecay { get; init; } = 1e-4;

    /// <summary>
    /// When true, parameters of normalisation layers and all biases go into a second parameter group without weight
    /// decay (see <see cref="ParameterGroups"/>).
    /// </summary>
    public bool NoWeightDecayOnNormAndBias { get; init; }

    /// <summary>Number of linear warm-up steps (0 = none).</summary>
    public long WarmupSteps { get; init; }

    /// <summary>Learning-rate multiplier at step 0 of warm-up; it rises linearly to 1 at <see cref="WarmupSteps"/>.</summary>
    public double WarmupStartFactor { get; init; } = 0.001;

    /// <summary>The schedule applied on top of warm-up.</summary>
    public LearningRateScheduleKind Schedule { get; init; } = LearningRateScheduleKind.Cosine;

    /// <summary>Cosine schedule: the floor, as a fraction of <see cref="LearningRate"/>, reached at the last step.</summary>
    public double CosineFloorFactor { get; init; }

    /// <summary>Step decay: milestones as fractions of <see cref="TotalSteps"/> in (0, 1), e.g. [0.67, 0.89]. Exclusive with <see cref="DecayAtSteps"/>.</summary>
    public IReadOnlyList<double> DecayAtFractions { get; init; } = [];

    /// <summary>Step decay: milestones as absolute steps. Exclusive with <see cref="DecayAtFractions"/>.</summary>
    public IReadOnlyList<long> DecayAtSteps { get; init; } = [];

    /// <summary>Step decay: the multiplier applied at each milestone.</summary>
    public double DecayFactor { get; init; } = 0.1;

    /// <summary>Total number of optimizer steps of the run.</summary>
    public long TotalSteps { get; init; } = 1000;

    /// <summary>Clip the global L2 norm of all gradients to this value before each update; null = no clipping.</summary>
    public double? MaxGradNorm { get; init; }

    /// <summary>Seed of the run: torch's generator is seeded with it at the start of a fresh run.</summary>
    public long Seed { get; init; }

    /// <summary>"cpu", "cuda" or "cuda:N". CUDA requires a CUDA build of libtorch (TorchSharp-cuda-*) at run time.</summary>
    [ExecutionOnly]
    public string Device { get; init; } = "cpu";

    /// <summary>libtorch intra-op threads (torch.set_num_threads); 0 leaves libtorch's default.</summary>
    [ExecutionOnly]
    public int Threads { get; init; }

    /// <summary>Write a checkpoint every this many steps (0 = only at the end and on cancellation).</summary>
    [ExecutionOnly]
    public long CheckpointInterval { get; init; } = 500;

    /// <summary>How many of the most recent checkpoints to keep in the output folder (at least 1).</summary>
    [ExecutionOnly]
    public int KeepCheckpoints { get; init; } = 2;

    /// <summary>Log metrics (JSON lines, TensorBoard, progress) every this many steps, and at the last step.</summary>
    [ExecutionOnly]
    public long LogInterval { get; init; } = 20;

    /// <summary>Also write TensorBoard event files under <c>tensorboard/</c> in the output folder.</summary>
    [ExecutionOnly]
    public bool TensorBoard { get; init; } = true;

    /// <summary>Checks every field; throws <see cref="ArgumentException"/> naming the first bad one.</summary>
    public void Validate()
    {
        static void Require(bool ok, string field, string why)
        {
            if (!ok) throw new ArgumentException($"TrainerOptions.{field}: {why}", field);
        }

        if (DecayAtFractions is null || DecayAtSteps is null)
            throw new ArgumentException("TrainerOptions.DecayAtFractions/DecayAtSteps: milestone lists must not be null (use [])", nameof(DecayAtFractions));
        Require(double.IsFinite(LearningRate) && LearningRate > 0, nameof(LearningRate), $"must be a positive number, got {LearningRate}");
        Require(Momentum >= 0 && Momentum < 1, nameof(Momentum), $"must be in [0, 1), got {Momentum}");
        Require(!Nesterov || Optimizer != OptimizerKind.Sgd || Momentum > 0, nameof(Nesterov), "Nesterov momentum needs Momentum > 0");
        Require(AdamBeta1 >= 0 && AdamBeta1 < 1, nameof(AdamBeta1), $"must be in [0, 1), got {AdamBeta1}");
        Require(AdamBeta2 >= 0 && AdamBeta2 < 1, nameof(AdamBeta2), $"must be in [0, 1), got {AdamBeta2}");
        Require(AdamEpsilon > 0, nameof(AdamEpsilon), $"must be positive, got {AdamEpsilon}");
        Require(WeightDecay >= 0 && double.IsFinite(WeightDecay), nameof(WeightDecay), $"must be >= 0, got {WeightDecay}");
        Require(TotalSteps > 0, nameof(TotalSteps), $"must be positive, got {TotalSteps}");
        Require(WarmupSteps >= 0 && WarmupSteps <= TotalSteps, nameof(WarmupSteps), $"must be in [0, TotalSteps={TotalSteps}], got {WarmupSteps}");
        Require(WarmupStartFactor >= 0 && WarmupStartFactor <= 1, nameof(WarmupStartFactor), $"must be in [0, 1], got {WarmupStartFactor}");
        Require(CosineFloorFactor >= 0 && CosineFloorFactor <= 1, nameof(CosineFloorFactor), $"must be in [0, 1], got {CosineFloorFactor}");
        Require(DecayFactor > 0 && DecayFactor <= 1, nameof(DecayFactor), $"must be in (0, 1], got {DecayFactor}");
        Require(DecayAtFractions.All(f => f > 0 && f < 1), nameof(DecayAtFractions), $"fractions must be in (0, 1), got [{string.Join(", ", DecayAtFractions)}]");
        Require(DecayAtSteps.All(s => s > 0 && s < TotalSteps), nameof(DecayAtSteps), $"steps must be in (0, TotalSteps={TotalSteps}), got [{string.Join(", ", DecayAtSteps)}]");
        Require(DecayAtFractions.Count == 0 || DecayAtSteps.Count == 0, nameof(DecayAtSteps), "give milestones either as DecayAtFractions or as DecayAtSteps, not both");
        Require(Schedule != LearningRateScheduleKind.StepDecay || DecayAtFractions.Count + DecayAtSteps.Count > 0, nameof(DecayAtFractions), "StepDecay schedule needs at least one milestone");
        Require(MaxGradNorm is null || (MaxGradNorm > 0 && double.IsFinite(MaxGradNorm.Value)), nameof(MaxGradNorm), $"must be null or a positive number, got {MaxGradNorm}");
        Require(!string.IsNullOrWhiteSpace(Device), nameof(Device), "must be \"cpu\", \"cuda\" or \"cuda:N\"");
        Require(Threads >= 0, nameof(Threads), $"must be >= 0 (0 = libtorch default), got {Threads}");
        Require(CheckpointInterval >= 0, nameof(CheckpointInterval), $"must be >= 0 (0 = only at the end), got {CheckpointInterval}");
        Require(KeepCheckpoints >= 1, nameof(KeepCheckpoints), $"must be >= 1, got {KeepCheckpoints}");
        Require(LogInterval >= 1, nameof(LogInterval), $"must be >= 1, got {LogInterval}");
    }
}
