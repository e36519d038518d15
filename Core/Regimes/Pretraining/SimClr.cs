using Repro.Core.Augment.Classification;
using Repro.Core.Data;
using Repro.Core.Training;
using static TorchSharp.torch;

namespace Repro.Core.Regimes.Pretraining;

/// <summary>
/// SimCLR (Chen et al. 2020): each step takes B images, makes two random views of each (<see cref="SimClrViews"/>),
/// embeds both through the backbone and projection head, and minimises NT-Xent, where each view must pick out its
/// partner among the 2B − 1 other views. Labels are not used. Runs through the <see cref="Trainer"/> (resumable).
/// </summary>
public static class SimClr
{
    /// <summary>Trains <paramref name="model"/> on the images of <paramref name="images"/> (labels ignored).</summary>
    public static TrainingResult Train(SimClrModel model, ILabelledImageSet images, ClassificationAugmentConfig crop, SimClrViewConfig colour,
                                       TrainerOptions trainerOptions, int batchSize, long seed, double temperature, string outputDirectory,
                                       IProgress<TrainingProgress>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(images);
        int b = Math.Min(batchSize, images.Count);
        if (b < 2) throw new ArgumentException($"SimCLR needs at least 2 images per batch, got {b} (batch size {batchSize}, {images.Count} images)");
        var views = new SimClrViews(crop, colour, seed);
        var loader = new ClassificationLoader(images, b, unchecked((int)seed), views.OutputSize, views.View, views: 2);
        var trainer = new Trainer(trainerOptions with { Seed = seed }, outputDirectory) { Progress = progress, ImagesPerStep = _ => b };
        long total = trainer.Options.TotalSteps;
        using var cursor = new StepStream<ClassificationHostBatch>(start => loader.Stream(start, total));
        return trainer.Train(model, step =>
        {
            var batch = cursor.At(step);
            var z = model.call(batch.ImagesTensor(trainer.Device));
            var (loss, accuracy) = NtXentLoss.Compute(z.narrow(0, 0, batch.BatchSize), z.narrow(0, batch.BatchSize, batch.BatchSize), temperature);
            return new Dictionary<string, Tensor> { [Trainer.LossKey] = loss, ["contrastive_top1"] = accuracy };
        }, ct);
    }
}
