using System.Text.Json;
using Repro.Core.Augment;
using Repro.Core.Data;
using Repro.Core.Data.Batching;
using Repro.Core.Data.Coco;
using Repro.Core.Data.Fractions;
using Repro.Core.Data.Loading;
using Repro.Core.Evaluation.Coco;
using Repro.Core.Models.Detection;
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
    public static DetectionExperimentResult Run(DetectionExperimentConfig config, string outputDirectory,
                                                IProgress<TrainingProgress>? progress = null, CancellationToken ct = default)
    {
        TorchNativeLoader.EnsureLoaded();
        config.Validate();
        Directory.CreateDirectory(outputDirectory);
        var data = config.Data;

        var source = CocoReader.Read(data.TrainAnnotations, data.TrainImages);
        var manifest = LabelledFraction.CreateManifest(source, data.Fraction, data.FractionSeed);
        var manifestPath = Path.Combine(outputDirectory, "fraction.json");
        LabelledFraction.Write(manifest, manifestPath);

        var cache = new ImageCache(data.ImageCacheBytes);
        var train = new CocoDetectionDataset(source, data.TrainImages, manifest.ImageIds, cache);
        if (train.Categories.Count != config.Detector.NumClasses)
            throw new ArgumentException(
                $"DetectionExperimentConfig.Detector.NumClasses is {config.Detector.NumClasses} but {data.TrainAnnotations} has {train.Categories.Count} categories",
                nameof(config));

        // A labelled fraction smaller than one batch still trains (with every image in each batch).
        int batchSize = Math.Min(config.BatchSize, train.Count);
        var pipeline = AugmentPipeline.FromConfig(config.Augment);
        var loader = new DetectionLoader(train,
            new LoaderOptions
            {
                BatchSize = batchSize,
                Seed = unchecked((int)config.Seed),
                Collate = new CollateOptions { FixedHeight = config.Detector.InputSize, FixedWidth = config.Detector.InputSize },
            },
            (sample, epoch) => pipeline.Apply(sample, config.Seed, epoch));

        Seeding.SeedTorch(config.Seed);
        using var model = new RetinaNet(config.Detector);
        if (config.BackboneWeights != null)
            StateDictIO.LoadPartial(model, config.BackboneWeights, "backbone.", "backbone.");

        var trainer = new Trainer(config.Trainer with { Seed = config.Seed }, Path.Combine(outputDirectory, "train"))
        {
            Progress = progress,
            ImagesPerStep = _ => batchSize,
        };

        // The trainer asks for step k's loss; batches stream (prefetched) from wherever it starts, so a resumed
        // run sees exactly the batches an uninterrupted one would.
        IEnumerator<DetectionBatch>? stream = null;
        long next = -1;
        Dictionary<string, Tensor> Loss(long step)
        {
            if (stream == null || step != next)
            {
                stream?.Dispose();
                stream = loader.Stream(step, config.Trainer.TotalSteps).GetEnumerator();
            }
            if (!stream.MoveNext()) throw new InvalidOperationException($"the data stream ended before step {step}");
            next = step + 1;
            using var batch = stream.Current;
            var targets = new List<DetectionTarget>(batch.BatchSize);
            for (int i = 0; i < batch.BatchSize; i++) targets.Add(new DetectionTarget(batch.Boxes[i], batch.Labels[i]));
            return model.Losses(batch.Images, targets);
        }

        TrainingResult training;
        try { training = trainer.Train(model, Loss, ct); }
        finally { stream?.Dispose(); }

        var eval = DetectionEvaluation.Evaluate(model, data.ValImages, data.ValAnnotations, DetectionEvaluation.ParamsFor(data),
                                                config.EvalBatchSize, cache, ct);
        var detectionsPath = Path.Combine(outputDirectory, "detections_val.json");
        AtomicFile.WriteAllText(detectionsPath, JsonSerializer.Serialize(eval.Detections, CocoJson.Options));
        AtomicFile.WriteAllText(Path.Combine(outputDirectory, "eval.json"), eval.Summary.ToJson());

        return new DetectionExperimentResult
        {
            Eval = eval.Summary,
            Training = training,
            Metrics = MetricsOf(eval.Summary),
            FractionManifestPath = manifestPath,
            FractionManifestHash = manifest.ContentHash,
            DetectionsPath = detectionsPath,
            TrainImages = train.Count,
            BatchSize = batchSize,
        };
    }

    static readonly string[] StatNames = { "AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl" };

    /// <summary>The summary's 12 numbers in percent; pycocotools' −1 ("no ground truth in this range") stays −1.</summary>
    public static IReadOnlyDictionary<string, double> MetricsOf(CocoEvalSummary s)
    {
        var d = new Dictionary<string, double>();
        for (int i = 0; i < StatNames.Length; i++) d[StatNames[i]] = s.Stats[i] < 0 ? -1 : s.Stats[i] * 100;
        return d;
    }
}
