using System.Text.Json;
using Repro.Core.Augment;
using Repro.Core.Data;
using Repro.Core.Data.Batching;
using Repro.Core.Data.Coco;
using Repro.Core.Data.Fractions;
using Repro.Core.Data.Loading;
using Repro.Core.Models.Detection;
using Repro.Core.Training;

namespace Repro.Core.Experiments;

/// <summary>
/// The pieces every detection regime shares (supervised <see cref="DetectionExperiment"/>, self-training, joint
/// training): the labelled fraction and its manifest, an augmenting loader, the seeded detector with the row's
/// initialization, the trainer, and evaluation on the val split with the result files.
/// </summary>
internal static class DetectionRunParts
{
    /// <summary>The labelled training data of a run: the fraction's images, its manifest (written to
    /// <c>fraction.json</c>), the decoded-image cache, the per-step batch size, and the held-out minival's
    /// annotations (<c>minival.json</c>, a subset of train's; null when none is held out).</summary>
    public sealed record LabelledData(CocoDetectionDataset Train, LabelledFractionManifest Manifest, string ManifestPath, ImageCache Cache, int BatchSize,
                                      string? MinivalAnnotations);

    /// <summary>Reads the train split, selects and records the labelled fraction, checks the class count.</summary>
    public static LabelledData PrepareLabelled(DetectionExperimentConfig config, string outputDirectory, string configName = nameof(DetectionExperimentConfig))
    {
        var data = config.Data;
        var source = CocoReader.Read(data.TrainAnnotations, data.TrainImages);
        var manifest = LabelledFraction.CreateManifest(source, data.Fraction, data.FractionSeed, data.MinivalShare);
        var manifestPath = Path.Combine(outputDirectory, "fraction.json");
        LabelledFraction.Write(manifest, manifestPath);
        string? minival = null;
        if (manifest.HeldOutImageIds is { Length: > 0 } heldOut)
        {
            var ids = heldOut.ToHashSet();
            var subset = source.Dataset with
            {
                Images = source.Dataset.Images.Where(i => ids.Contains(i.Id)).ToList(),
                Annotations = source.Dataset.Annotations.Where(a => ids.Contains(a.ImageId)).ToList(),
            };
            minival = Path.Combine(outputDirectory, "minival.json");
            AtomicFile.WriteAllText(minival, JsonSerializer.Serialize(subset, CocoJson.Options));
        }

        var cache = new ImageCache(data.ImageCacheBytes);
        var train = new CocoDetectionDataset(source, data.TrainImages, manifest.ImageIds, cache);
        if (train.Categories.Count != config.Detector.NumClasses)
            throw new ArgumentException(
                $"{configName}.Detector.NumClasses is {config.Detector.NumClasses} but {data.TrainAnnotations} has {train.Categories.Count} categories",
                nameof(config));
        // A labelled fraction smaller than one batch still trains (with every image in each batch).
        return new LabelledData(train, manifest, manifestPath, cache, Math.Min(config.BatchSize, train.Count), minival);
    }

    /// <summary>
    /// A loader over <paramref name="dataset"/> with the config's augmentation, batches of <paramref name="batchSize"/>
    /// collated at the detector's input size. Both the batch order and the augmentation draw from
    /// <paramref name="seed"/> (a run's labelled stream uses the run seed; other streams derive their own).
    /// </summary>
    public static DetectionLoader CreateLoader(ILabelledImageSet dataset, int batchSize, long seed, DetectionExperimentConfig config)
    {
        var pipeline = AugmentPipeline.FromConfig(config.Augment);
        return new DetectionLoader(dataset,
            new LoaderOptions
            {
                BatchSize = batchSize,
                Seed = unchecked((int)seed),
                Collate = new CollateOptions { FixedHeight = config.Detector.InputSize, FixedWidth = config.Detector.InputSize },
            },
            (sample, epoch) => pipeline.Apply(sample, seed, epoch));
    }

    /// <summary>The detector, initialised from the run seed, with pre-trained backbone weights when the config names them.</summary>
    public static RetinaNet CreateDetector(DetectionExperimentConfig config)
    {
        Seeding.SeedTorch(config.Seed);
        var model = new RetinaNet(config.Detector);
        try
        {
            if (config.BackboneWeights != null && !InjectedRegression.Is(InjectedRegression.PretrainedNotLoaded))
                StateDictIO.LoadPartial(model, config.BackboneWeights, "backbone.", "backbone.");
        }
        catch
        {
            model.Dispose();
            throw;
        }
        return model;
    }

    /// <summary>The run's trainer, writing under <c>train/</c>; its seed is the run seed; <paramref name="lossState"/>
    /// is its <see cref="Trainer.LossState"/>.</summary>
    public static Trainer CreateTrainer(DetectionExperimentConfig config, string outputDirectory, IProgress<TrainingProgress>? progress, int imagesPerStep,
                                        TorchSharp.torch.nn.Module? lossState = null) =>
        new(config.Trainer with { Seed = config.Seed }, Path.Combine(outputDirectory, DetectionExperiment.TrainFolder))
        {
            Progress = progress,
            ImagesPerStep = _ => imagesPerStep,
            LossState = lossState,
        };

    /// <summary>The batch's boxes and labels as detector targets.</summary>
    public static List<DetectionTarget> Targets(DetectionBatch batch)
    {
        var targets = new List<DetectionTarget>(batch.BatchSize);
        for (int i = 0; i < batch.BatchSize; i++) targets.Add(new DetectionTarget(batch.Boxes[i], batch.Labels[i]));
        return targets;
    }

    /// <summary>Evaluates the detector on the val split (and on the minival, where one is held out), writes
    /// <c>detections_val.json</c>, <c>eval.json</c> (and <c>eval_minival.json</c>) atomically and assembles the run's result.</summary>
    public static DetectionExperimentResult EvaluateAndWrite(RetinaNet model, DetectionExperimentConfig config, LabelledData labelled,
                                                             TrainingResult training, string outputDirectory, CancellationToken ct)
    {
        var data = config.Data;
        var eval = DetectionEvaluation.Evaluate(model, data.ValImages, data.ValAnnotations, DetectionEvaluation.ParamsFor(data),
                                                config.EvalBatchSize, labelled.Cache, ct);
        var detectionsPath = Path.Combine(outputDirectory, "detections_val.json");
        AtomicFile.WriteAllText(detectionsPath, JsonSerializer.Serialize(eval.Detections, CocoJson.Options));
        AtomicFile.WriteAllText(Path.Combine(outputDirectory, "eval.json"), eval.Summary.ToJson());
        IReadOnlyDictionary<string, double>? minivalMetrics = null;
        if (labelled.MinivalAnnotations != null)
        {
            var minival = DetectionEvaluation.Evaluate(model, data.TrainImages, labelled.MinivalAnnotations, DetectionEvaluation.ParamsFor(data),
                                                       config.EvalBatchSize, labelled.Cache, ct);
            AtomicFile.WriteAllText(Path.Combine(outputDirectory, "eval_minival.json"), minival.Summary.ToJson());
            minivalMetrics = DetectionExperiment.MetricsOf(minival.Summary);
        }

        return new DetectionExperimentResult
        {
            Eval = eval.Summary,
            Training = training,
            Metrics = DetectionExperiment.MetricsOf(eval.Summary),
            MinivalMetrics = minivalMetrics,
            MinivalImages = labelled.Manifest.HeldOutImageIds?.Length ?? 0,
            FractionManifestPath = labelled.ManifestPath,
            FractionManifestHash = labelled.Manifest.ContentHash,
            DetectionsPath = detectionsPath,
            TrainImages = labelled.Train.Count,
            BatchSize = labelled.BatchSize,
        };
    }
}
