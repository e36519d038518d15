using Repro.Core.Data;
using Repro.Core.Data.Batching;
using Repro.Core.Data.ImageFolder;
using Repro.Core.Native;
using Repro.Core.Regimes.JointTraining;
using Repro.Core.Training;
using static TorchSharp.torch;

namespace Repro.Core.Experiments;

/// <summary>
/// Joint training: each step takes a detection batch (the same batches a supervised run with this seed sees) and a
/// classification batch (its own derived seed), computes the detector's losses and the classification cross-entropy
/// through the shared backbone (two forward passes through it), and optimises L = L_det + w·L_cls. The detector is
/// evaluated like a supervised run.
/// </summary>
/// <remarks>
/// Logged loss parts: loss, loss_detection, loss_classification, classification_accuracy (on the training batch),
/// and the detector's cls, box, num_pos. Output folder: as <see cref="DetectionExperiment"/>, where
/// <c>train/final.weights</c> holds the joint model (<c>detector.*</c>, <c>classifier.*</c>) and
/// <c>train/detector.weights</c> the detector alone (a detection run's layout, e.g. to use it as a teacher).
/// </remarks>
public static class JointTrainingExperiment
{
    public const string DetectorWeightsFileName = "detector.weights";

    public static DetectionExperimentResult Run(JointTrainingConfig config, string outputDirectory,
                                                IProgress<TrainingProgress>? progress = null, CancellationToken ct = default)
    {
        TorchNativeLoader.EnsureLoaded();
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Directory.CreateDirectory(outputDirectory);
        var detection = config.Detection;
        var labelled = DetectionRunParts.PrepareLabelled(detection, outputDirectory, "JointTrainingConfig.Detection");
        var side = OpenClassificationSide(config.Classification, detection, labelled.Cache);

        var detectionLoader = DetectionRunParts.CreateLoader(labelled.Train, labelled.BatchSize, detection.Seed, detection);
        using var model = CreateModel(config, side.Pool.Classes.Count);
        var trainer = DetectionRunParts.CreateTrainer(detection, outputDirectory, progress, labelled.BatchSize + side.BatchSize);

        long end = detection.Trainer.TotalSteps;
        using var detectionBatches = new StepStream<DetectionBatch>(step => detectionLoader.Stream(step, end));
        using var classificationBatches = new StepStream<ClassificationBatch>(step => side.Stream.Stream(step, end));
        Dictionary<string, Tensor> Loss(long step)
        {
            using var d = detectionBatches.At(step);
            using var c = classificationBatches.At(step);
            var parts = model.Detector.Losses(d.Images, DetectionRunParts.Targets(d));
            var (ce, accuracy) = model.ClassificationLoss(c);
            return new Dictionary<string, Tensor>
            {
                ["loss"] = parts["loss"] + ce * config.Classification.Weight,
                ["loss_detection"] = parts["loss"].detach(),
                ["loss_classification"] = ce.detach(),
                ["classification_accuracy"] = accuracy,
                ["cls"] = parts["cls"].detach(),
                ["box"] = parts["box"].detach(),
                ["num_pos"] = parts["num_pos"],
            };
        }

        var training = trainer.Train(model, Loss, ct);
        detectionBatches.Dispose();
        classificationBatches.Dispose();
        StateDictIO.Save(model.Detector, Path.Combine(trainer.OutputDirectory, DetectorWeightsFileName));
        return DetectionRunParts.EvaluateAndWrite(model.Detector, detection, labelled, training, outputDirectory, ct);
    }

    /// <summary>The joint model as a run initialises it: the detector from the run seed (with the row's backbone
    /// weights), then the classification head.</summary>
    internal static JointDetectionClassifier CreateModel(JointTrainingConfig config, int numClasses)
    {
        var detector = DetectionRunParts.CreateDetector(config.Detection);
        return new JointDetectionClassifier(detector, numClasses);
    }

    /// <summary>The classification side of a joint run: the pool, the images per step (at most the pool) and the batch
    /// stream, seeded from the detection side's seed.</summary>
    internal sealed record ClassificationSide(ImageFolderDataset Pool, int BatchSize, ClassificationBatchStream Stream);

    internal static ClassificationSide OpenClassificationSide(ClassificationObjectiveConfig config, DetectionExperimentConfig detection, ImageCache cache)
    {
        var pool = new ImageFolderDataset(config.TrainRoot, cache);
        int batchSize = Math.Min(config.BatchSize, pool.Count);
        return new ClassificationSide(pool, batchSize, new ClassificationBatchStream(
            pool, config.EffectiveAugment(detection.Detector.InputSize), batchSize, ClassificationStreamSeed(detection.Seed)));
    }

    /// <summary>The seed of the classification stream (order and augmentation), derived from the run seed.</summary>
    public static long ClassificationStreamSeed(long seed) => (long)Seeding.Derive(seed, "joint training classification stream");
}
