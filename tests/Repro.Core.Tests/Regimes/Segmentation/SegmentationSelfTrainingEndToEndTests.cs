using System.Text.Json;
using Repro.Core.Data.Batching;
using Repro.Core.Data.Voc;
using Repro.Core.Experiments;
using Repro.Core.Models.Segmentation;
using Repro.Core.Regimes.Segmentation;
using Repro.Core.Tests.Miniature;
using Repro.Core.Tests.Models.Segmentation;
using Repro.Core.Tests.Training;
using Repro.Core.Training;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Repro.Core.Tests.Regimes.Segmentation;

/// <summary>Teacher (a few steps) → pseudo masks on the aug part → student, on the Smoke miniature's VOC set
/// (train 8 ⊂ trainaug 16, val 8, 9 classes).</summary>
[Collection(TorchGlobalRngCollection.Name)]
public class SegmentationSelfTrainingEndToEndTests(SmokeMiniatureFixture mini, ITestOutputHelper output)
    : TorchTestBase, IClassFixture<SmokeMiniatureFixture>, IDisposable
{
    readonly string _root = Path.Combine(Path.GetTempPath(), $"repro-seg-e2e-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    SegmentationExperimentConfig Config(int steps) => new()
    {
        Data = new SegmentationDataConfig { VocRoot = mini.Manifest.VocRoot },
        Model = SegmentationModelConfig.Miniature(mini.Manifest.SegmentationClasses.Count) with { DecoderChannels = 16 },
        Trainer = new TrainerOptions
        {
            TotalSteps = steps, LearningRate = 0.02, WarmupSteps = 1, CheckpointInterval = 0, LogInterval = 1,
            TensorBoard = false, Threads = 1,
        },
        BatchSize = 4,
        EvalBatchSize = 5,
        Seed = 3,
    };

    sealed class CancelAt(long step, CancellationTokenSource cts) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress p) { if (p.Step == step) cts.Cancel(); }
    }

    static byte[] Bytes(string path) => File.ReadAllBytes(path);

    [Fact]
    public void Teacher_pseudo_masks_and_student_run_and_a_cancelled_student_resumes_to_identical_weights()
    {
        using var oneThread = new OneThread();
        Assert.Equal(9, mini.Manifest.SegmentationClasses.Count);
        var teacher = SegmentationExperiment.Run(Config(6), Path.Combine(_root, "teacher"));
        output.WriteLine($"teacher: mIoU {teacher.Metrics["mIoU"]:F1}, pixel acc {teacher.Metrics["pixel_acc"]:F1}");
        Assert.Equal(8, teacher.TrainImages);
        Assert.InRange(teacher.Metrics["mIoU"], 0, 100);
        Assert.Equal(8, JsonSerializer.Deserialize<JsonElement[]>(File.ReadAllText(teacher.PredictionsSummaryPath))!.Length);

        // ---- pseudo masks on the aug part (trainaug minus train) ----
        var labelConfig = new SegmentationPseudoLabelConfig
        {
            TeacherWeights = teacher.ModelWeightsPath, Model = Config(1).Model, VocRoot = mini.Manifest.VocRoot,
            ImageSet = "trainaug", ExcludeSet = "train", ConfidenceThreshold = 0.3, BatchSize = 3,
        };
        var pseudo = SegmentationPseudoLabeling.Run(labelConfig, Path.Combine(_root, "pseudo"));
        output.WriteLine($"pseudo: ignored {pseudo.IgnoredFraction:P1}, kept accuracy {pseudo.PixelAccuracy:P1}, teacher accuracy {pseudo.TeacherPixelAccuracy:P1}");
        var human = new VocSegmentationDataset(mini.Manifest.VocRoot, "trainaug");
        var train = new VocSegmentationDataset(mini.Manifest.VocRoot, "train");
        var written = new VocSegmentationDataset(pseudo.Root, pseudo.SetName);
        Assert.Equal(human.Ids.Except(train.Ids).ToArray(), written.Ids.ToArray());
        Assert.Equal(8, pseudo.Images);

        // Oracle: the teacher's probabilities computed here, on the whole batch at once (images are already input-sized),
        // through the rule; files must match except at float near-ties (threshold or top-2).
        using var model = new SegmentationModel(labelConfig.Model);
        StateDictIO.Load(model, teacher.ModelWeightsPath);
        var samples = Enumerable.Range(0, written.Count).Select(written.Get).ToArray();
        using var batch = new BatchCollator().CollateTensors(samples);
        var probs = model.Probabilities(batch.Images);
        long ignored = 0, pixels = 0, keptCorrect = 0, keptLabelled = 0;
        for (int i = 0; i < samples.Length; i++)
        {
            var (expected, argMax) = PseudoMaskRule.Apply(probs[i], labelConfig.ConfidenceThreshold);
            var actual = samples[i].Mask!;
            var top2 = probs[i].topk(2, dim: 0).values.data<float>().ToArray();
            int plane = actual.Length;
            for (int k = 0; k < plane; k++)
            {
                if (actual[k] != expected[k])
                    Assert.True(Math.Abs(top2[k] - 0.3f) < 1e-4 || top2[k] - top2[plane + k] < 1e-4, $"image {i} pixel {k}: {actual[k]} vs {expected[k]}");
                pixels++;
                if (actual[k] == 255) ignored++;
            }
            // Copied image is the source image, byte for byte.
            Assert.Equal(Bytes(human.ImagePath(Array.IndexOf(human.Ids.ToArray(), written.Ids[i]))), Bytes(written.ImagePath(i)));
            var humanMask = human.Get(Array.IndexOf(human.Ids.ToArray(), written.Ids[i])).Mask!;
            for (int k = 0; k < plane; k++)
                if (actual[k] != 255 && humanMask[k] != 255) { keptLabelled++; if (argMax[k] == humanMask[k]) keptCorrect++; }
        }
        Assert.Equal(pixels, pseudo.Pixels);
        Assert.Equal((double)ignored / pixels, pseudo.IgnoredFraction, 9);
        if (keptLabelled > 0) Assert.Equal((double)keptCorrect / keptLabelled, pseudo.PixelAccuracy!.Value, 3);
        Assert.Equal(1.0, pseudo.ClassShare.Sum(), 9);

        // Same config and teacher: the output is reused, not rewritten.
        var maskFile = Path.Combine(pseudo.Root, "SegmentationClass", written.Ids[0] + ".png");
        var stamp = File.GetLastWriteTimeUtc(maskFile);
        Assert.Equal(pseudo.IgnoredFraction, SegmentationPseudoLabeling.Run(labelConfig, Path.Combine(_root, "pseudo")).IgnoredFraction);
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(maskFile));

        // ---- student: joint human + pseudo training, uninterrupted vs cancelled at step 3 and resumed ----
        var studentConfig = Config(6).WithPseudo(pseudo.Root, pseudo.SetName);
        var straight = SegmentationExperiment.Run(studentConfig, Path.Combine(_root, "student-a"));
        Assert.Equal((8, 8, 16, 4, 4), (straight.HumanImages, straight.PseudoImages, straight.TrainImages, straight.BatchSize, straight.PseudoBatchSize));
        Assert.Contains("pseudo_weight", straight.Training.FinalLosses.Keys);
        output.WriteLine($"student: mIoU {straight.Metrics["mIoU"]:F1}, final losses {string.Join(", ", straight.Training.FinalLosses.Select(kv => $"{kv.Key} {kv.Value:F3}"))}");

        using var cts = new CancellationTokenSource();
        var bDir = Path.Combine(_root, "student-b");
        Assert.ThrowsAny<OperationCanceledException>(() => SegmentationExperiment.Run(studentConfig, bDir, new CancelAt(3, cts), cts.Token));
        var resumed = SegmentationExperiment.Run(studentConfig, bDir);
        Assert.Equal(3, resumed.Training.ResumedFromStep);
        Assert.Equal(Bytes(straight.Training.FinalWeightsPath), Bytes(resumed.Training.FinalWeightsPath));
        Assert.Equal(Bytes(straight.ModelWeightsPath), Bytes(resumed.ModelWeightsPath));
        Assert.Equal(straight.Metrics["mIoU"], resumed.Metrics["mIoU"]);
        // The loss mix's running means travel in the checkpoints only: the final weights are the model's.
        Assert.Equal(Bytes(straight.ModelWeightsPath), Bytes(straight.Training.FinalWeightsPath));

        // ---- a student that starts from its teacher (the paper's method): one step at a vanishing learning rate leaves
        // every parameter at the teacher's value, while the same student from its row's init is far from it ----
        Dictionary<string, Tensor> Parameters(string path) =>
            StateDictIO.Read(path).Where(kv => !kv.Key.Contains("running_") && !kv.Key.Contains("num_batches")).ToDictionary();
        var tiny = studentConfig with { Trainer = studentConfig.Trainer with { TotalSteps = 1, LearningRate = 1e-12 } };
        var fromTeacher = SegmentationExperiment.Run(tiny.StartingFrom(teacher.ModelWeightsPath), Path.Combine(_root, "from-teacher"));
        var fromInit = SegmentationExperiment.Run(tiny, Path.Combine(_root, "from-init"));
        var taught = Parameters(teacher.ModelWeightsPath);
        double MaxDistance(string path) =>
            Parameters(path).Max(kv => (kv.Value - taught[kv.Key]).abs().max().item<float>());
        Assert.Equal(taught.Keys.OrderBy(k => k), Parameters(fromTeacher.ModelWeightsPath).Keys.OrderBy(k => k));
        Assert.True(MaxDistance(fromTeacher.ModelWeightsPath) < 1e-6, $"from the teacher: {MaxDistance(fromTeacher.ModelWeightsPath)}");
        Assert.True(MaxDistance(fromInit.ModelWeightsPath) > 1e-2, $"from the init: {MaxDistance(fromInit.ModelWeightsPath)}");
        Assert.Contains("InitialWeights", Assert.Throws<ArgumentException>(() => tiny.StartingFrom("/nonexistent/model.weights").Validate()).Message);

        // ---- "human vs pseudo labels on the aug set": one stream, the aug part's human masks replaced ----
        var replaced = SegmentationExperiment.Run(Config(2).WithPseudo(pseudo.Root) with
        {
            Data = studentConfig.Data with { TrainSet = "trainaug" }, ReplaceHumanWithPseudo = true,
        }, Path.Combine(_root, "replace"));
        Assert.Equal((8, 8, 16, 0), (replaced.HumanImages, replaced.PseudoImages, replaced.TrainImages, replaced.PseudoBatchSize));
        Assert.DoesNotContain("pseudo_weight", replaced.Training.FinalLosses.Keys);
    }

    [Fact]
    public void Invalid_configs_name_the_field()
    {
        var c = Config(1);
        Assert.Contains("ReplaceHumanWithPseudo", Assert.Throws<ArgumentException>(() => (c with { ReplaceHumanWithPseudo = true }).Validate()).Message);
        Assert.Contains("Augment.OutputSize", Assert.Throws<ArgumentException>(() => (c with { Model = c.Model.WithClasses(9, 96) }).Validate()).Message);
        Assert.Contains("PseudoMasksRoot", Assert.Throws<ArgumentException>(() => c.WithPseudo("/nonexistent/pseudo").Validate()).Message);
        Assert.Contains("VocRoot", Assert.Throws<ArgumentException>(() => new SegmentationExperimentConfig().Validate()).Message);
        Assert.Contains("TeacherWeights", Assert.Throws<ArgumentException>(() => new SegmentationPseudoLabelConfig { VocRoot = "x" }.Validate()).Message);
        Assert.Contains("ConfidenceThreshold", Assert.Throws<ArgumentException>(() =>
            new SegmentationPseudoLabelConfig { TeacherWeights = typeof(object).Assembly.Location, VocRoot = "x", ConfidenceThreshold = 2 }.Validate()).Message);
    }
}
