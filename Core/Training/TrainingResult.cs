namespace Repro.Core.Training;

/// <summary>The outcome of <see cref="Trainer.Train"/>.</summary>
/// <param name="CompletedSteps">Steps completed in total (equals TotalSteps).</param>
/// <param name="ResumedFromStep">Completed steps of the checkpoint this call resumed from; null for a fresh run.</param>
/// <param name="FinalLosses">Loss parts of the last step.</param>
/// <param name="FinalWeightsPath">State dict of the trained model (loadable with <see cref="StateDictIO"/>).</param>
/// <param name="CheckpointPath">The final checkpoint.</param>
/// <param name="Elapsed">Wall time of this call.</param>
public sealed record TrainingResult(
    long CompletedSteps,
    long? ResumedFromStep,
    IReadOnlyDictionary<string, double> FinalLosses,
    string FinalWeightsPath,
    string CheckpointPath,
    TimeSpan Elapsed);
