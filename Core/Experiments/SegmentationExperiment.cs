using Repro.Core.Data.Fractions;
using Repro.Core.Augment;
using Repro.Core.Data;
using Repro.Core.Data.Batching;
using Repro.Core.Data.Loading;
using Repro.Core.Data.Voc;
using Repro.Core.Evaluation.Segmentation;
using Repro.Core.Models.Segmentation;
using Repro.Core.Native;
using Repro.Core.Regimes.Segmentation;
using Repro.Core.Regimes.SelfTraining;
using Repro.Core.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Repro.Core.Experiments;

/// <summary>What a segmentation run measured and where it left its files.</summary>
public sealed record SegmentationExperimentResult
{
    /// <summary>"mIoU" and "pixel_acc" in percent (−1 when the val set has no labelled pixel), "train_images"
    /// (distinct training images, human + pseudo), "human_images", "pseudo_images", "val_images".</summary>
    public required IReadOnlyDictionary<string, double> Metrics { get; init; }
    public required SegmentationMetrics Eval { get; init; }
    public required TrainingResult Training { get; init; }
    /// <summary>predictions_val.json: per val image, labelled pixels, correct pixels, label and predicted classes.</summary>
    public required string PredictionsSummaryPath { get; init; }
    /// <summary>eval.json: mIoU, pixel accuracy, per-class IoU, confusion matrix.</summary>
    public required string EvalPath { get; init; }
    /// <summary>model.weights: the trained model's state dict (loads strictly into a <see cref="SegmentationModel"/>).</summary>
    public required string ModelWeightsPath { get; init; }
    public required int TrainImages { get; init; }
    public required int HumanImages { get; init; }
    public required int PseudoImages { get; init; }
    public required int BatchSize { get; init; }
    /// <summary>Pseudo images per step in joint training; 0 otherwise.</summary>
    public required int PseudoBatchSize { get; init; }
}

/// <summary>
/// Semantic segmentation (the paper's PASCAL VOC study): a <see cref="SegmentationModel"/> trained on a VOC image set
/// (optionally from pre-trained backbone weights), optionally as a self-training student on pseudo masks, then scored
/// on the val set with mIoU. Resumable: re-running with the same config and output folder continues from the latest
/// checkpoint. Writes <c>train/</c> (the trainer's folder), <c>model.weights</c>, <c>eval.json</c> and
/// <c>predictions_val.json</c> in the output folder (atomically).
/// </summary>
public static class SegmentationExperiment
{
    /// <summary>The trained model's weights in a run's output folder (what teachers hand on).</summary>
    public const string WeightsFile = "model.weights";

    /// <summary>The metric a segmentation cell of the paper's tables reports: mean IoU over classes, in percent.</summary>
    public const string HeadlineMetric = "mIoU";

    public static SegmentationExperimentResult Run(SegmentationExperimentConfig config, string outputDirectory,
                                                   IProgress<TrainingProgress>? progress = null, CancellationToken ct = default)
    {
        TorchNativeLoader.EnsureLoaded();
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Directory.CreateDirectory(outputDirectory);
        var data = config.Data;
        var cache = new ImageCache(data.ImageCacheBytes);

        var human = new VocSegmentationDataset(data.VocRoot, data.TrainSet, cache, data.MaskFolder, data.Encoding);
        VocSegmentationDataset? minival = null;
        if (data.MinivalShare > 0)
        {
            // Carved from train (train ⊂ trainaug), so train and train+aug cells hold out the same images.
            var source = data.TrainSet == SegmentationDataConfig.MinivalSource ? human
                : new VocSegmentationDataset(data.VocRoot, SegmentationDataConfig.MinivalSource, cache, data.MaskFolder, data.Encoding);
            var heldOut = LabelledFraction.SelectHeldOut(source.Ids, data.MinivalShare, 0).ToHashSet(StringComparer.Ordinal);
            minival = source.Where(heldOut.Contains, "minival");
            human = human.Where(id => !heldOut.Contains(id), data.TrainSet + " less minival");
        }
        // Pseudo roots are written by SegmentationPseudoLabeling: palette masks under SegmentationClass.
        var pseudo = config.PseudoMasksRoot is { } root ? new VocSegmentationDataset(root, config.PseudoSet, cache) : null;
        ILabelledImageSet train = human;
        int humanImages = human.Count, pseudoImages = pseudo?.Count ?? 0;
        bool joint = pseudo != null && !config.ReplaceHumanWithPseudo;
        if (pseudo != null && config.ReplaceHumanWithPseudo)
        {
            // One stream: the train-set images without a pseudo mask keep their human masks; the rest come pseudo-labelled.
            var pseudoIds = new HashSet<string>(pseudo.Ids, StringComparer.Ordinal);
            var keep = Enumerable.Range(0, human.Count).Where(i => !pseudoIds.Contains(human.Ids[i])).ToArray();
            train = new DatasetView((human, keep), (pseudo, DatasetView.All(pseudo)));
            humanImages = keep.Length;
        }

        int size = config.Model.InputSize;
        var collate = new CollateOptions { FixedHeight = size, FixedWidth = size };
        var pipeline = AugmentPipeline.FromConfig(config.Augment);
        // A set smaller than one batch still trains (with every image in each batch).
        int batchSize = Math.Min(config.BatchSize, train.Count);
        var humanLoader = new DetectionLoader(train,
            new LoaderOptions { BatchSize = batchSize, Seed = unchecked((int)config.Seed), Collate = collate },
            (sample, epoch) => pipeline.Apply(sample, config.Seed, epoch));
        DetectionLoader? pseudoLoader = null;
        int pseudoBatch = 0;
        if (joint)
        {
            pseudoBatch = Math.Min(config.PseudoBatchSize == 0 ? config.BatchSize : config.PseudoBatchSize, pseudo!.Count);
            // Its own order and augmentation stream, so image ids shared with the human set draw different crops.
            long pseudoSeed = unchecked((long)Seeding.Derive(config.Seed, "segmentation-pseudo-stream"));
            pseudoLoader = new DetectionLoader(pseudo,
                new LoaderOptions { BatchSize = pseudoBatch, Seed = unchecked((int)pseudoSeed), Collate = collate },
                (sample, epoch) => pipeline.Apply(sample, pseudoSeed, epoch));
        }

        Seeding.SeedTorch(config.Seed);
        using var model = new SegmentationModel(config.Model);
        if (config.BackboneWeights != null && !InjectedRegression.Is(InjectedRegression.PretrainedNotLoaded))
            StateDictIO.LoadPartial(model, config.BackboneWeights, "backbone.", "backbone.");
        if (config.InitialWeights != null) StateDictIO.Load(model, config.InitialWeights);
        using var mix = joint ? new NormalizedLossMix(config.LossNormalizationTimeConstant, config.Alpha, config.LossNormalization) : null;

        var trainer = new Trainer(config.Trainer with { Seed = config.Seed }, Path.Combine(outputDirectory, "train"))
        {
            Progress = progress,
            ImagesPerStep = _ => batchSize + pseudoBatch,
            LossState = mix,
        };
        var humanStream = new StepStream<DetectionBatch>(step => humanLoader.Stream(step, config.Trainer.TotalSteps));
        var pseudoStream = pseudoLoader != null ? new StepStream<DetectionBatch>(step => pseudoLoader.Stream(step, config.Trainer.TotalSteps)) : null;

        // Step k's loss is a pure function of k (batches fetched by step number), so a resumed run matches.
        Dictionary<string, Tensor> Loss(long step)
        {
            using var hb = humanStream.At(step);
            if (pseudoStream == null) return model.Losses(hb.Images, hb.Masks!);
            using var pb = pseudoStream.At(step);
            // One forward pass over human and pseudo images together (batch norm sees both), split for the two losses.
            var logits = model.call(cat(new[] { hb.Images, pb.Images }, 0));
            long n = hb.BatchSize;
            var lh = PixelCrossEntropy.Mean(logits.narrow(0, 0, n), hb.Masks!);
            var lp = PixelCrossEntropy.Mean(logits.narrow(0, n, pb.BatchSize), pb.Masks!);
            var (loss, weights) = mix!.Combine(lh, lp);
            return new Dictionary<string, Tensor>
            {
                ["loss"] = loss,
                ["human"] = lh.detach(),
                ["pseudo"] = lp.detach(),
                ["human_weight"] = tensor(weights.Human),
                ["pseudo_weight"] = tensor(weights.Pseudo),
            };
        }

        TrainingResult training;
        try { training = trainer.Train(model, Loss, ct); }
        finally
        {
            humanStream.Dispose();
            pseudoStream?.Dispose();
        }
        var modelWeights = Path.Combine(outputDirectory, WeightsFile);
        StateDictIO.Save(model, modelWeights);

        var val = new VocSegmentationDataset(data.VocRoot, data.ValSet, cache, data.MaskFolder, data.Encoding);
        var eval = SegmentationEvaluation.Evaluate(model, val, config.EvalBatchSize, ct);
        var evalPath = Path.Combine(outputDirectory, "eval.json");
        var predictionsPath = Path.Combine(outputDirectory, "predictions_val.json");
        AtomicFile.WriteAllText(predictionsPath, SegmentationEvaluation.PredictionsJson(eval));
        AtomicFile.WriteAllText(evalPath, SegmentationEvaluation.ToJson(eval));

        var minivalMetrics = new Dictionary<string, double>();
        if (minival != null)
        {
            var scored = SegmentationEvaluation.Evaluate(model, minival, config.EvalBatchSize, ct);
            AtomicFile.WriteAllText(Path.Combine(outputDirectory, "eval_minival.json"), SegmentationEvaluation.ToJson(scored));
            minivalMetrics["minival_" + HeadlineMetric] = Percent(scored.Metrics.MeanIou);
            minivalMetrics["minival_images"] = minival.Count;
        }

        int trainImages = humanImages + pseudoImages;
        return new SegmentationExperimentResult
        {
            Metrics = new Dictionary<string, double>(minivalMetrics)
            {
                [HeadlineMetric] = Percent(eval.Metrics.MeanIou),
                ["pixel_acc"] = Percent(eval.Metrics.PixelAccuracy),
                ["mIoU_constant"] = Percent(SegmentationMetrics.BestConstantMeanIou(eval.Confusion)),
                ["train_images"] = trainImages,
                ["human_images"] = humanImages,
                ["pseudo_images"] = pseudoImages,
                ["val_images"] = val.Count,
            },
            Eval = eval.Metrics,
            Training = training,
            PredictionsSummaryPath = predictionsPath,
            EvalPath = evalPath,
            ModelWeightsPath = modelWeights,
            TrainImages = trainImages,
            HumanImages = humanImages,
            PseudoImages = pseudoImages,
            BatchSize = batchSize,
            PseudoBatchSize = pseudoBatch,
        };
    }

    static double Percent(double x) => double.IsFinite(x) ? x * 100 : -1;
}
