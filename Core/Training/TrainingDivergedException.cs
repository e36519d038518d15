namespace Repro.Core.Training;

/// <summary>Thrown when a loss part (or the gradient norm) becomes NaN or infinite; names the step and the part.</summary>
public sealed class TrainingDivergedException : Exception
{
    /// <summary>The 0-based step at which the non-finite value appeared (no update was applied at this step).</summary>
    public long Step { get; }

    /// <summary>The loss part (key of the loss dictionary) or "grad_norm".</summary>
    public string Part { get; }

    /// <summary>The offending value (NaN or ±∞).</summary>
    public double Value { get; }

    /// <summary>Creates the exception.</summary>
    public TrainingDivergedException(long step, string part, double value)
        : base($"training diverged at step {step}: '{part}' is {value} (the weights are those of the last checkpoint; lower the learning rate or clip gradients)")
    {
        Step = step;
        Part = part;
        Value = value;
    }
}
