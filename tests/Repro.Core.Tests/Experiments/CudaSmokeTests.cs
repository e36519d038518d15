using Repro.Core.Augment;
using Repro.Core.Augment.Classification;
using Repro.Core.Data.Miniature;
using Repro.Core.Experiments;
using Repro.Core.Models.Detection;
using Repro.Core.Models.Segmentation;
using Repro.Core.Regimes.Segmentation;
using Repro.Core.Tests.Miniature;
using Repro.Core.Tests.Training;
using Repro.Core.Training;
using static TorchSharp.torch;

namespace Repro.Core.Tests.Experiments;

/// <summary>
/// The CPU code path on a GPU: every regime trains two steps with <c>Device = "cuda"</c>, then evaluates, and both
/// teachers pseudo-label on CUDA. Runs where this process has CUDA (a CUDA build of libtorch and a visible GPU);
/// skipped otherwise. What it checks is that nothing fails on mixed devices and that the numbers come back finite.
/// </summary>
[Collection(TorchGlobalRngCollection.Name)]
public class CudaSmokeTests : TorchTestBase, IDisposable
{
    const string Cuda = "cuda";
    readonly string _root = TinyConfig.NewRoot();

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    static void SkipWithoutCuda() =>
        Skip.IfNot(cuda.is_available(), "CUDA is not available to this process (TorchSharp-cpu, or no GPU visible)");

    static TrainerOptions Trainer => new()
    {
        Device = Cuda, Optimizer = OptimizerKind.AdamW, LearningRate = 1e-3, WeightDecay = 0, TotalSteps = 2, WarmupSteps = 0,
        LogInterval = 1, CheckpointInterval = 0, TensorBoard = false, MaxGradNorm = 10,
    };

    static void AssertTrained(TrainingResult training)
    {
        Assert.Equal(2, training.CompletedSteps);
        Assert.All(training.FinalLosses.Values, v => Assert.True(double.IsFinite(v)));
    }

    /// <summary>A percentage, or −1 where the val split has nothing in range.</summary>
    static void AssertMetric(double value) => Assert.InRange(value, -1, 100);

    [SkippableFact]
    public void Detection_regimes_train_evaluate_and_pseudo_label_on_cuda()
    {
        SkipWithoutCuda();
        var m = MiniatureGenerator.Generate(TinyConfig.Make(), Path.Combine(_root, "data"));
        var detector = DetectorConfig.Miniature(m.DetectionCategories.Count) with
        {
            PostProcess = new PostProcessConfig { ScoreThreshold = 0.001, MaxDetections = 20 },
        };
        var supervised = new DetectionExperimentConfig
        {
            Data = new DetectionDataConfig
            {
                TrainImages = m.DetectionTrainImages, TrainAnnotations = m.DetectionTrainAnnotations,
                ValImages = m.DetectionValImages, ValAnnotations = m.DetectionValAnnotations,
                SmallMaxArea = m.SmallMaxArea, LargeMinArea = m.LargeMinArea,
            },
            Detector = detector,
            Augment = AugmentConfig.ForLevel(AugmentLevel.S1, m.Config.ImageSize),
            Trainer = Trainer,
            BatchSize = 2,
            EvalBatchSize = 2,
        };

        var teacher = DetectionExperiment.Run(supervised, Path.Combine(_root, "teacher"));
        AssertTrained(teacher.Training);
        AssertMetric(teacher.Metrics["AP"]);

        var labels = PseudoLabeling.Run(new PseudoLabelConfig
        {
            TeacherWeights = teacher.Training.FinalWeightsPath, Detector = detector, UnlabeledImages = m.UnlabeledImages,
            CategoriesFrom = m.DetectionTrainAnnotations, ScoreThreshold = 0.001, BatchSize = 2, Device = Cuda,
        }, Path.Combine(_root, "labels"));
        Assert.Equal(m.UnlabeledCount, labels.Statistics.Images);

        var student = new SelfTrainingConfig { Student = supervised, PseudoBatchSize = 2 }.WithPseudoLabels(labels);
        var selfTrained = SelfTrainingExperiment.Run(student, Path.Combine(_root, "student"));
        AssertTrained(selfTrained.Training);
        AssertMetric(selfTrained.Metrics["AP"]);

        var augment = new ClassificationAugmentConfig { OutputSize = 64 };
        var joint = JointTrainingExperiment.Run(new JointTrainingConfig
        {
            Detection = supervised, Classification = new() { TrainRoot = m.ClassificationTrain, BatchSize = 2, Augment = augment },
        }, Path.Combine(_root, "joint"));
        AssertTrained(joint.Training);

        var all = SelfTrainingExperiment.Run(new JointSelfTrainingConfig
        {
            SelfTraining = student, Classification = new() { TrainRoot = m.ClassificationTrain, BatchSize = 2, Augment = augment },
        }, Path.Combine(_root, "joint-student"));
        AssertTrained(all.Training);
    }

    [SkippableFact]
    public void Segmentation_trains_evaluates_pseudo_labels_and_trains_a_student_on_cuda()
    {
        SkipWithoutCuda();
        var m = MiniatureGenerator.Generate(TinyConfig.Make(), Path.Combine(_root, "data"));
        var config = new SegmentationExperimentConfig
        {
            Data = new SegmentationDataConfig { VocRoot = m.VocRoot },
            Model = SegmentationModelConfig.Miniature(m.SegmentationClasses.Count) with { DecoderChannels = 16 },
            Trainer = Trainer,
            BatchSize = 2,
            EvalBatchSize = 2,
        };
        var teacher = SegmentationExperiment.Run(config, Path.Combine(_root, "teacher"));
        AssertTrained(teacher.Training);
        AssertMetric(teacher.Metrics["mIoU"]);

        var masks = SegmentationPseudoLabeling.Run(new SegmentationPseudoLabelConfig
        {
            TeacherWeights = teacher.ModelWeightsPath, Model = config.Model, VocRoot = m.VocRoot,
            ImageSet = "trainaug", ExcludeSet = "train", BatchSize = 2, Device = Cuda,
        }, Path.Combine(_root, "pseudo"));
        Assert.True(masks.Images > 0);

        var student = SegmentationExperiment.Run(config with { PseudoMasksRoot = masks.Root, PseudoSet = masks.SetName, PseudoBatchSize = 2 },
                                                 Path.Combine(_root, "student"));
        AssertTrained(student.Training);
        AssertMetric(student.Metrics["mIoU"]);
    }
}
