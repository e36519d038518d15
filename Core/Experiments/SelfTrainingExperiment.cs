using System.Text.Json;
using Repro.Core.Data.Coco;
using Repro.Core.Native;
using Repro.Core.Regimes.JointTraining;
using Repro.Core.Regimes.SelfTraining;
using Repro.Core.Training;
using static TorchSharp.torch;

namespace Repro.Core.Experiments;

/// <summary>
/// Self-training step 3 (Zoph et al. 2020): the student detector trains on human labels and the teacher's hard
/// pseudo labels together, with loss normalization, then is evaluated like a supervised run (COCO AP on the val split).
/// </summary>
/// <remarks>
/// Each step: the human batch (the same batches a supervised run with this seed sees) and a pseudo batch (its own
/// derived seed) go through the student in ONE forward pass (so BatchNorm statistics cover both halves); the human
/// and pseudo losses are each normalised by their own positive-anchor count (<see cref="Models.Detection.RetinaNet.GroupLosses"/>)
/// and combined by <see cref="NormalizedLossMix"/>. Pseudo images are treated exactly as labelled images whose boxes are
/// the pseudo boxes: anything the teacher missed is background (the hard-label recipe); images without pseudo boxes
/// are all-background examples unless <see cref="SelfTrainingConfig.SkipEmptyPseudoImages"/>.
/// Logged loss parts (metrics.jsonl): loss, loss_human, loss_pseudo, human_weight and pseudo_weight (the factors on L_h, L_p),
/// loss_human_mean / loss_pseudo_mean (the normalizer's running means, which the trainer checkpoints as its loss
/// state), cls/box/num_pos per half (…_human, …_pseudo).
/// Output folder: as <see cref="DetectionExperiment"/> (fraction.json, train/, detections_val.json, eval.json) plus
/// pseudo_data.json (the pseudo images and boxes used).
/// </remarks>
public static class SelfTrainingExperiment
{
    public const string PseudoDataFileName = "pseudo_data.json";

    /// <summary>What the student used from the pseudo-label file.</summary>
    public sealed record PseudoData(string Annotations, int Images, int ImagesWithBoxes, int Boxes, int BoxesSkippedByReader,
                                    bool SkipEmptyPseudoImages, int PseudoBatchSize, int HumanBatchSize);

    public static DetectionExperimentResult Run(SelfTrainingConfig config, string outputDirectory,
                                                IProgress<TrainingProgress>? progress = null, CancellationToken ct = default)
    {
        TorchNativeLoader.EnsureLoaded();
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        return RunStudent(config, null, outputDirectory, progress, ct);
    }

    /// <summary>
    /// "w/ All": the same student, also joint-trained on classification through its backbone (a third batch per step,
    /// from <see cref="JointTrainingExperiment.ClassificationStreamSeed"/>); L = L_h + α·(L̄_h/L̄_p)·L_p + w·L_cls.
    /// Extra logged parts: loss_classification, classification_accuracy. <c>train/final.weights</c> holds the joint
    /// model, <c>train/detector.weights</c> the detector alone (as a joint-training run).
    /// </summary>
    public static DetectionExperimentResult Run(JointSelfTrainingConfig config, string outputDirectory,
                                                IProgress<TrainingProgress>? progress = null, CancellationToken ct = default)
    {
        TorchNativeLoader.EnsureLoaded();
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        return RunStudent(config.SelfTraining, config.Classification, outputDirectory, progress, ct);
    }

    static DetectionExperimentResult RunStudent(SelfTrainingConfig config, ClassificationObjectiveConfig? classification, string outputDirectory,
                                                IProgress<TrainingProgress>? progress, CancellationToken ct)
    {
        Directory.CreateDirectory(outputDirectory);
        var student = config.Student;
        var labelled = DetectionRunParts.PrepareLabelled(student, outputDirectory, "SelfTrainingConfig.Student");

        var pseudoSource = CocoReader.Read(config.PseudoAnnotations, config.PseudoImages);
        CheckSameCategories(labelled.Train.Coco.Categories, student.Data.TrainAnnotations, pseudoSource.Dataset.Categories, config.PseudoAnnotations);
        var withBoxes = pseudoSource.Dataset.Annotations.Where(a => a.IsCrowd == 0).Select(a => a.ImageId).ToHashSet();
        var pseudoIds = pseudoSource.Dataset.Images.Select(i => i.Id).Where(id => !config.SkipEmptyPseudoImages || withBoxes.Contains(id)).ToList();
        if (pseudoIds.Count == 0)
            throw new InvalidDataException(
                $"{config.PseudoAnnotations}: no pseudo images to train on{(config.SkipEmptyPseudoImages ? " (no image has a pseudo box and SkipEmptyPseudoImages is set)" : "")}");
        var pseudo = new CocoDetectionDataset(pseudoSource, config.PseudoImages, pseudoIds, labelled.Cache);
        int pseudoBatch = Math.Min(config.PseudoBatchSize, pseudo.Count);
        AtomicFile.WriteAllText(Path.Combine(outputDirectory, PseudoDataFileName), JsonSerializer.Serialize(new PseudoData(
            Path.GetFullPath(config.PseudoAnnotations), pseudo.Count, pseudoIds.Count(withBoxes.Contains),
            Enumerable.Range(0, pseudo.Count).Sum(pseudo.BoxCount), pseudoSource.Report.SkippedDegenerate + pseudoSource.Report.SkippedOutside,
            config.SkipEmptyPseudoImages, pseudoBatch, labelled.BatchSize), new JsonSerializerOptions { WriteIndented = true }));

        var human = DetectionRunParts.CreateLoader(labelled.Train, labelled.BatchSize, student.Seed, student);
        var pseudoLoader = DetectionRunParts.CreateLoader(pseudo, pseudoBatch, PseudoStreamSeed(student.Seed), student);
        var mixed = new MixedBatchStream(human, pseudoLoader);
        using var model = DetectionRunParts.CreateDetector(student);
        if (config.InitialWeights != null) StateDictIO.Load(model, config.InitialWeights);
        // "w/ All": a classification head on the same backbone and a classification stream beside the mixed one.
        var side = classification is null ? null : JointTrainingExperiment.OpenClassificationSide(classification, student, labelled.Cache);
        using var jointModel = side is null ? null : new JointDetectionClassifier(model, side.Pool.Classes.Count);
        using var classificationBatches = side is null ? null
            : new StepStream<ClassificationBatch>(step => side.Stream.Stream(step, student.Trainer.TotalSteps));
        using var mix = new NormalizedLossMix(config.NormalizerTimeConstant, config.Alpha, config.LossNormalization);
        var trainer = DetectionRunParts.CreateTrainer(student, outputDirectory, progress, labelled.BatchSize + pseudoBatch + (side?.BatchSize ?? 0), mix);

        using var batches = new StepStream<MixedBatch>(step => mixed.Stream(step, student.Trainer.TotalSteps));
        Dictionary<string, Tensor> Loss(long step)
        {
            using var batch = batches.At(step);
            var groups = model.GroupLosses(batch.Images(), batch.Targets(), batch.GroupSizes);
            var (h, p) = (groups[0], groups[1]);
            var (loss, weights) = mix.Combine(h["loss"], p["loss"]);
            var means = mix.Means;
            var extra = new Dictionary<string, Tensor>();
            if (jointModel is not null)
            {
                using var c = classificationBatches!.At(step);
                var (ce, accuracy) = jointModel.ClassificationLoss(c);
                loss = loss + ce * classification!.Weight;
                extra["loss_classification"] = ce.detach();
                extra["classification_accuracy"] = accuracy;
            }
            var parts = new Dictionary<string, Tensor>
            {
                ["loss"] = loss,
                ["loss_human"] = h["loss"].detach(),
                ["loss_pseudo"] = p["loss"].detach(),
                ["human_weight"] = tensor(weights.Human),
                ["pseudo_weight"] = tensor(weights.Pseudo),
                ["loss_human_mean"] = tensor(means.MeanHuman),
                ["loss_pseudo_mean"] = tensor(means.MeanPseudo),
                ["cls_human"] = h["cls"].detach(),
                ["box_human"] = h["box"].detach(),
                ["num_pos_human"] = h["num_pos"],
                ["cls_pseudo"] = p["cls"].detach(),
                ["box_pseudo"] = p["box"].detach(),
                ["num_pos_pseudo"] = p["num_pos"],
            };
            foreach (var (k, v) in extra) parts[k] = v;
            return parts;
        }

        var training = trainer.Train(jointModel is null ? model : jointModel, Loss, ct);
        batches.Dispose();
        classificationBatches?.Dispose();
        if (jointModel is not null)
            StateDictIO.Save(model, Path.Combine(trainer.OutputDirectory, JointTrainingExperiment.DetectorWeightsFileName));
        return DetectionRunParts.EvaluateAndWrite(model, student, labelled, training, outputDirectory, ct);
    }

    /// <summary>The seed of the pseudo stream (batch order and augmentation), derived from the run seed so it differs
    /// from the human stream's.</summary>
    public static long PseudoStreamSeed(long seed) => (long)Seeding.Derive(seed, "self-training pseudo stream");

    static void CheckSameCategories(IReadOnlyList<CocoCategory> human, string humanSource, IReadOnlyList<CocoCategory> pseudo, string pseudoSource)
    {
        static string Describe(IEnumerable<CocoCategory> cs) => string.Join(", ", cs.OrderBy(c => c.Id).Select(c => $"{c.Id}:{c.Name}"));
        if (Describe(human) != Describe(pseudo))
            throw new InvalidDataException($"{pseudoSource}: categories [{Describe(pseudo)}] differ from the human labels' ({humanSource}) [{Describe(human)}]");
    }
}
