using Repro.Core.Augment.Classification;
using Repro.Core.Data.ImageFolder;
using Repro.Core.Models.Backbones;
using Repro.Core.Training;
using static TorchSharp.torch;

namespace Repro.Core.Regimes.Pretraining;

/// <summary>What a classification training phase uses besides the model and data.</summary>
/// <param name="Augment">Per-image augmentation (crop, flip, policy).</param>
/// <param name="Trainer">Optimiser, schedule, steps, checkpoints; its seed is replaced by <paramref name="Seed"/>.</param>
/// <param name="BatchSize">Images per step (capped at the split's size).</param>
/// <param name="Seed">Seed of batch order, augmentation and the trainer's torch generator.</param>
/// <param name="LabelSmoothing">ε of the smoothed one-hot targets.</param>
public sealed record ClassificationTrainingSettings(ClassificationAugmentConfig Augment, TrainerOptions Trainer, int BatchSize, long Seed, double LabelSmoothing);

/// <summary>
/// Supervised classification pre-training ("ImageNet Init"): an <see cref="ImageClassifier"/> trained with
/// label-smoothed cross-entropy on augmented images of the labelled split, through the <see cref="Trainer"/> (so it
/// checkpoints, resumes exactly and pauses the GC around steps).
/// </summary>
public static class SupervisedClassification
{
    /// <summary>Trains <paramref name="model"/> (initialised by the caller) in <paramref name="outputDirectory"/>,
    /// resuming from its latest checkpoint.</summary>
    public static TrainingResult Train(ImageClassifier model, ImageFolderDataset train, ClassificationTrainingSettings settings, string outputDirectory,
                                       IProgress<TrainingProgress>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(settings);
        int batchSize = Math.Min(settings.BatchSize, train.Count);
        int numClasses = model.Classifier.NumClasses;
        if (numClasses != train.Classes.Count)
            throw new ArgumentException($"the classifier has {numClasses} outputs but {train.Root} has {train.Classes.Count} classes", nameof(model));
        var pipeline = ClassificationAugmentPipeline.FromConfig(settings.Augment);
        long seed = settings.Seed;
        var loader = new ClassificationLoader(train, batchSize, unchecked((int)seed), settings.Augment.OutputSize,
            (image, epoch, index, _) => pipeline.Apply(image, seed, epoch, index));
        var labels = PretrainingData.LabelsOf(train);
        var trainer = new Trainer(settings.Trainer with { Seed = seed }, outputDirectory) { Progress = progress, ImagesPerStep = _ => batchSize };
        long total = trainer.Options.TotalSteps;

        using var cursor = new StepStream<ClassificationHostBatch>(start => loader.Stream(start, total));
        return trainer.Train(model, step =>
        {
            var batch = cursor.At(step);
            var images = batch.ImagesTensor(trainer.Device);
            var y = tensor(batch.Indices.Select(i => labels[i]).ToArray(), device: trainer.Device);
            var logits = model.call(images);
            var loss = SoftTargetCrossEntropy.Loss(logits, SoftTargetCrossEntropy.SmoothedOneHot(y, numClasses, settings.LabelSmoothing));
            var accuracy = logits.detach().argmax(1).eq(y).to(ScalarType.Float32).mean();
            return new Dictionary<string, Tensor> { [Trainer.LossKey] = loss, ["train_top1"] = accuracy };
        }, ct);
    }

    /// <summary>Top-1 (percent) of <paramref name="model"/> on a labelled split, un-augmented images.</summary>
    public static double Evaluate(ImageClassifier model, ImageFolderDataset split, int imageSize, int batchSize, Device? device = null, CancellationToken ct = default)
    {
        using var logits = ClassificationInference.Run(model, x => model.call(x), split, imageSize, batchSize, device, ct);
        return ClassificationInference.Top1(logits, PretrainingData.LabelsOf(split));
    }
}
