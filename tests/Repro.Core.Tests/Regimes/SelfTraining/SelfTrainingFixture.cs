using Repro.Core.Augment;
using Repro.Core.Data.Miniature;
using Repro.Core.Experiments;
using Repro.Core.Models.Detection;
using Repro.Core.Training;
using Repro.Core.Tests.Miniature;

namespace Repro.Core.Tests.Regimes.SelfTraining;

/// <summary>
/// The Smoke miniature plus a teacher trained on it for a few steps (far from converged: its scores are low, so the
/// tests pick thresholds from its actual score distribution, as the lead must calibrate on a real teacher).
/// </summary>
public sealed class SelfTrainingFixture : IDisposable
{
    public string Root { get; } = Path.Combine(Path.GetTempPath(), $"repro-selftrain-{Guid.NewGuid():N}");
    public MiniatureManifest Manifest { get; }
    /// <summary>The teacher's (and student's) architecture; the post-processing keeps low scores so a few-step
    /// teacher still has detections to threshold.</summary>
    public DetectorConfig Detector { get; }
    public string TeacherWeights { get; }

    public SelfTrainingFixture()
    {
        Manifest = MiniatureGenerator.Generate(TestMiniature.Config, Path.Combine(Root, "data"));
        Detector = DetectorConfig.Miniature(Manifest.DetectionCategories.Count) with
        {
            PostProcess = new PostProcessConfig { ScoreThreshold = 0.001, MaxDetections = 20 },
        };
        var teacher = DetectionExperiment.Run(Supervised(steps: 8, batchSize: 8), Path.Combine(Root, "teacher"));
        TeacherWeights = teacher.Training.FinalWeightsPath;
    }

    /// <summary>A supervised config on the Smoke data (also the student's base).</summary>
    public DetectionExperimentConfig Supervised(long steps, int batchSize, long seed = 0) => new()
    {
        Data = new DetectionDataConfig
        {
            TrainImages = Manifest.DetectionTrainImages, TrainAnnotations = Manifest.DetectionTrainAnnotations,
            ValImages = Manifest.DetectionValImages, ValAnnotations = Manifest.DetectionValAnnotations,
            SmallMaxArea = Manifest.SmallMaxArea, LargeMinArea = Manifest.LargeMinArea,
        },
        Detector = Detector,
        Augment = AugmentConfig.ForLevel(AugmentLevel.S1, Manifest.Config.ImageSize),
        Trainer = new TrainerOptions
        {
            Optimizer = OptimizerKind.AdamW, LearningRate = 3e-3, WeightDecay = 0, TotalSteps = steps, WarmupSteps = 0,
            LogInterval = 1, CheckpointInterval = 0, TensorBoard = false, MaxGradNorm = 10,
        },
        BatchSize = batchSize,
        EvalBatchSize = 16,
        Seed = seed,
    };

    public PseudoLabelConfig Labelling(double threshold, int maxBoxes) => new()
    {
        TeacherWeights = TeacherWeights, Detector = Detector, UnlabeledImages = Manifest.UnlabeledImages,
        CategoriesFrom = Manifest.DetectionTrainAnnotations, ScoreThreshold = threshold, MaxBoxesPerImage = maxBoxes, BatchSize = 16,
    };

    public string NewDir(string name) => Path.Combine(Root, $"{name}-{Guid.NewGuid():N}");

    public void Dispose()
    {
        try { if (Directory.Exists(Root)) Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}
