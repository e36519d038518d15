using System.Text.Json;
using Repro.Core.Augment.Classification;
using Repro.Core.Data;
using Repro.Core.Data.ImageFolder;
using Repro.Core.Models.Backbones;
using Repro.Core.Training;
using static TorchSharp.torch;

namespace Repro.Core.Regimes.Pretraining;

/// <summary>The student phase of one Noisy Student round.</summary>
/// <param name="Backbone">The student's backbone (equal to or larger than the teacher's; its drop-path set for noise).</param>
/// <param name="Dropout">Dropout before the student's classifier (noise).</param>
/// <param name="Training">Augmentation (RandAugment noise), trainer, batch size, seed, label smoothing.</param>
/// <param name="PseudoBatchFraction">Share of each batch drawn from the pseudo-labelled pool.</param>
public sealed record StudentSettings(BackboneConfig Backbone, double Dropout, ClassificationTrainingSettings Training, double PseudoBatchFraction);

/// <summary>
/// Noisy Student training (Xie et al. 2020; the paper's "ImageNet++ Init"): a teacher trained on labelled images
/// pseudo-labels an unlabeled pool without noise; a student of equal or larger size is trained from scratch on labelled
/// and pseudo-labelled images together, with noise (RandAugment on its inputs, dropout, stochastic depth); the student
/// then becomes the teacher of the next round.
/// </summary>
public static class NoisyStudent
{
    /// <summary>
    /// Trains <paramref name="student"/> (initialised by the caller) for one round: each step's batch is
    /// round(B·f) pseudo-labelled images (soft targets, or one-hot smoothed by ε for hard labels) and B − round(B·f)
    /// labelled images (smoothed one-hot), both augmented with the student's noise, and the loss is the mean
    /// cross-entropy over all of them. Resumable in <paramref name="outputDirectory"/>.
    /// </summary>
    public static TrainingResult TrainStudent(ImageClassifier student, ImageFolderDataset labelled, ILabelledImageSet unlabeled, PseudoLabelSet pseudo,
                                              StudentSettings settings, string outputDirectory, IProgress<TrainingProgress>? progress = null,
                                              CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(student);
        ArgumentNullException.ThrowIfNull(pseudo);
        ArgumentNullException.ThrowIfNull(settings);
        var t = settings.Training;
        int numClasses = student.Classifier.NumClasses;
        if (numClasses != labelled.Classes.Count || numClasses != pseudo.NumClasses)
            throw new ArgumentException($"the student has {numClasses} outputs, the labelled set {labelled.Classes.Count} classes, the pseudo labels {pseudo.NumClasses}");
        if (pseudo.Count == 0)
            throw new InvalidDataException(
                $"no unlabeled image passed the pseudo-label confidence threshold {pseudo.Summary.ConfidenceThreshold} (mean top probability {pseudo.Summary.MeanMaxProbabilityAll:F3}); lower PseudoLabelConfidence or train the teacher longer");

        int pseudoBatch = Math.Clamp((int)Math.Round(t.BatchSize * settings.PseudoBatchFraction), 1, t.BatchSize - 1);
        int labelledBatch = t.BatchSize - pseudoBatch;
        pseudoBatch = Math.Min(pseudoBatch, pseudo.Count);
        labelledBatch = Math.Min(labelledBatch, labelled.Count);

        var pipeline = ClassificationAugmentPipeline.FromConfig(t.Augment);
        long seed = t.Seed;
        long pseudoSeed = unchecked((long)Seeding.Derive(seed, "pseudo-batches"));
        var labelledLoader = new ClassificationLoader(labelled, labelledBatch, unchecked((int)seed), t.Augment.OutputSize,
            (image, epoch, index, _) => pipeline.Apply(image, seed, epoch, index));
        // The pseudo pool is the kept subset; its augmentation is keyed by the unlabeled-pool index.
        var pool = new SubsetDataset(unlabeled, pseudo.Indices);
        var pseudoLoader = new ClassificationLoader(pool, pseudoBatch, unchecked((int)pseudoSeed), t.Augment.OutputSize,
            (image, epoch, index, _) => pipeline.Apply(image, pseudoSeed, epoch, pseudo.Indices[index]));
        var labels = PretrainingData.LabelsOf(labelled);

        var trainer = new Trainer(t.Trainer with { Seed = seed }, outputDirectory)
        {
            Progress = progress,
            ImagesPerStep = _ => labelledBatch + pseudoBatch,
        };
        long total = trainer.Options.TotalSteps;
        var device = trainer.Device;
        using var labelledCursor = new StepStream<ClassificationHostBatch>(start => labelledLoader.Stream(start, total));
        using var pseudoCursor = new StepStream<ClassificationHostBatch>(start => pseudoLoader.Stream(start, total));
        return trainer.Train(student, step =>
        {
            var lb = labelledCursor.At(step);
            var pb = pseudoCursor.At(step);
            var images = cat(new[] { lb.ImagesTensor(device), pb.ImagesTensor(device) }, 0);
            var y = tensor(lb.Indices.Select(i => labels[i]).ToArray(), device: device);
            var labelledTargets = SoftTargetCrossEntropy.SmoothedOneHot(y, numClasses, t.LabelSmoothing);
            var pseudoTargets = PseudoTargets(pseudo, pb.Indices, pseudo.Summary.Soft ? 0 : t.LabelSmoothing).to(device);
            var perImage = SoftTargetCrossEntropy.PerImage(student.call(images), cat(new[] { labelledTargets, pseudoTargets }, 0));
            var labelledLoss = perImage.narrow(0, 0, lb.BatchSize).mean();
            var pseudoLoss = perImage.narrow(0, lb.BatchSize, pb.BatchSize).mean();
            return new Dictionary<string, Tensor>
            {
                [Trainer.LossKey] = perImage.mean(),
                ["labelled"] = labelledLoss.detach(),
                ["pseudo"] = pseudoLoss.detach(),
            };
        }, ct);
    }

    /// <summary>Targets [n, C] of kept pseudo-label rows; hard (one-hot) rows smoothed by ε.</summary>
    internal static Tensor PseudoTargets(PseudoLabelSet pseudo, int[] keptRows, double smoothing)
    {
        int c = pseudo.NumClasses;
        var data = new float[keptRows.Length * c];
        for (int i = 0; i < keptRows.Length; i++)
        {
            var row = pseudo.TargetOf(keptRows[i]);
            for (int k = 0; k < c; k++) data[i * c + k] = (float)(row[k] * (1 - smoothing) + smoothing / c);
        }
        return tensor(data, new long[] { keptRows.Length, c });
    }

    /// <summary>Writes the per-round pseudo-label summaries as JSON (atomically).</summary>
    public static void WriteSummaries(string path, IReadOnlyList<PseudoLabelSummary> rounds) =>
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(new { rounds }, new JsonSerializerOptions { WriteIndented = true }));
}
