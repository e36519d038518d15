using Repro.Core.Data.Batching;
using Repro.Core.Evaluation.Coco;
using Repro.Core.Native;
using Repro.Core.Training;
using static TorchSharp.torch;

namespace Repro.Core.Experiments;

/// <summary>What a detection run measured and where it left its files.</summary>
public sealed record DetectionExperimentResult
{
    public required CocoEvalSummary Eval { get; init; }
    public required TrainingResult Training { get; init; }
    /// <summary>The 12 COCO numbers in percent (AP, AP50, …, ARl), as the paper reports them.</summary>
    public required IReadOnlyDictionary<string, double> Metrics { get; init; }
    /// <summary>The same 12 numbers on the minival held out of train; null when the data holds none out.</summary>
    public IReadOnlyDictionary<string, double>? MinivalMetrics { get; init; }
    public int MinivalImages { get; init; }
    public required string FractionManifestPath { get; init; }
    public required string FractionManifestHash { get; init; }
    public required string DetectionsPath { get; init; }
    public required int TrainImages { get; init; }
    public required int BatchSize { get; init; }
}

/// <summary>
/// Supervised detection, the paper's baseline regime: RetinaNet trained on a labelled fraction of a COCO-format
/// train split with one augmentation level, then evaluated on the val split with COCO AP. Resumable: re-running
/// with the same config and output folder continues from the latest checkpoint.
/// </summary>
public static class DetectionExperiment
{
    /// <summary>The trainer's folder in a run's output folder.</summary>
    public const string TrainFolder = "train";

    /// <summary>The trained detector's full weights, relative to the run's output folder (what teachers hand on).</summary>
    public static readonly string WeightsFile = Path.Combine(TrainFolder, Trainer.FinalWeightsFile);

    public static DetectionExperimentResult Run(DetectionExperimentConfig config, string outputDirectory,
                                                IProgress<TrainingProgress>? progress = null, CancellationToken ct = default)
    {
        TorchNativeLoader.EnsureLoaded();
        config.Validate();
        Directory.CreateDirectory(outputDirectory);
        var labelled = DetectionRunParts.PrepareLabelled(config, outputDirectory);
        var loader = DetectionRunParts.CreateLoader(labelled.Train, labelled.BatchSize, config.Seed, config);
        using var model = DetectionRunParts.CreateDetector(config);
        var trainer = DetectionRunParts.CreateTrainer(config, outputDirectory, progress, labelled.BatchSize);

        // The trainer asks for step k's loss; batches stream (prefetched) from wherever it starts, so a resumed
        // run sees exactly the batches an uninterrupted one would.
        using var batches = new StepStream<DetectionBatch>(step => loader.Stream(step, config.Trainer.TotalSteps));
        Dictionary<string, Tensor> Loss(long step)
        {
            using var batch = batches.At(step);
            return model.Losses(batch.Images, DetectionRunParts.Targets(batch));
        }

        var training = trainer.Train(model, Loss, ct);
        batches.Dispose();
        return DetectionRunParts.EvaluateAndWrite(model, config, labelled, training, outputDirectory, ct);
    }

    /// <summary>The metric a detection cell of the paper's tables reports: COCO AP (IoU .50:.95), in percent.</summary>
    public const string HeadlineMetric = "AP";

    static readonly string[] StatNames = { HeadlineMetric, "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl" };

    /// <summary>The summary's 12 numbers in percent; pycocotools' −1 ("no ground truth in this range") stays −1.</summary>
    public static IReadOnlyDictionary<string, double> MetricsOf(CocoEvalSummary s)
    {
        var d = new Dictionary<string, double>();
        for (int i = 0; i < StatNames.Length; i++) d[StatNames[i]] = s.Stats[i] < 0 ? -1 : s.Stats[i] * 100;
        return d;
    }
}
