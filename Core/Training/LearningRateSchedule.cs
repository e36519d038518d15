using TorchSharp;

namespace Repro.Core.Training;

/// <summary>
/// The learning rate as a pure function of the step: <c>lr(s) = base(s) · warmup(s)</c>, where
/// <list type="bullet">
/// <item><c>warmup(s) = f0 + (1 − f0) · s / W</c> for <c>s &lt; W</c> warm-up steps, else 1;</item>
/// <item>Constant: <c>base(s) = η</c>;</item>
/// <item>Cosine: <c>base(s) = η · (m + (1 − m) · ½(1 + cos(π · s / (T − 1))))</c>, from η at step 0 to the floor m·η
/// at the last step T − 1;</item>
/// <item>StepDecay: <c>base(s) = η · γ^k</c>, k = number of milestones ≤ s (fractions are of T, rounded down to a step).</item>
/// </list>
/// Being stateless, resuming at any step needs nothing but the step number.
/// </summary>
public sealed class LearningRateSchedule
{
    readonly TrainerOptions _options;
    readonly long[] _milestones;

    /// <summary>Builds the schedule of (validated) options.</summary>
    public LearningRateSchedule(TrainerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _milestones = options.DecayAtSteps.Count > 0
            ? options.DecayAtSteps.Order().ToArray()
            : options.DecayAtFractions.Select(f => (long)Math.Floor(f * options.TotalSteps)).Order().ToArray();
    }

    /// <summary>The milestone steps of a step-decay schedule, ascending.</summary>
    public IReadOnlyList<long> Milestones => _milestones;

    /// <summary>The learning rate for step <paramref name="step"/> (0-based; steps past the end keep the last value).</summary>
    public double At(long step)
    {
        if (step < 0) throw new ArgumentOutOfRangeException(nameof(step), step, "step must be >= 0");
        var o = _options;
        var last = o.TotalSteps - 1;
        var s = Math.Min(step, last);
        double baseRate = o.Schedule switch
        {
            LearningRateScheduleKind.Constant => o.LearningRate,
            LearningRateScheduleKind.Cosine => last == 0
                ? o.LearningRate
                : o.LearningRate * (o.CosineFloorFactor + (1 - o.CosineFloorFactor) * 0.5 * (1 + Math.Cos(Math.PI * s / last))),
            LearningRateScheduleKind.StepDecay => o.LearningRate * Math.Pow(o.DecayFactor, _milestones.Count(m => m <= s)),
            _ => throw new ArgumentException($"TrainerOptions.Schedule: unknown schedule {o.Schedule}", nameof(o.Schedule)),
        };
        var warmup = s < o.WarmupSteps ? o.WarmupStartFactor + (1 - o.WarmupStartFactor) * s / o.WarmupSteps : 1.0;
        return baseRate * warmup;
    }

    /// <summary>Sets the learning rate of every parameter group of <paramref name="optimizer"/> to <see cref="At"/>(step).</summary>
    public double Apply(torch.optim.Optimizer optimizer, long step)
    {
        var lr = At(step);
        foreach (var group in optimizer.ParamGroups) group.LearningRate = lr;
        return lr;
    }
}
