namespace Repro.Core.Training;

/// <summary>A progress report of a <see cref="Trainer"/> run, sent at every logged step and at the end.</summary>
/// <param name="Step">Number of completed steps (1 … TotalSteps).</param>
/// <param name="TotalSteps">Steps of the whole run.</param>
/// <param name="Losses">The loss parts of the last completed step, by name (includes "loss").</param>
/// <param name="LearningRate">Learning rate used at the last completed step.</param>
/// <param name="ImagesPerSecond">Throughput since the previous report, when the caller reports images per step; else null.</param>
/// <param name="Elapsed">Wall time of this process's part of the run (since start or resume).</param>
/// <param name="Eta">Estimated time to finish, extrapolated from this process's steps so far.</param>
public sealed record TrainingProgress(
    long Step,
    long TotalSteps,
    IReadOnlyDictionary<string, double> Losses,
    double LearningRate,
    double? ImagesPerSecond,
    TimeSpan Elapsed,
    TimeSpan Eta);
