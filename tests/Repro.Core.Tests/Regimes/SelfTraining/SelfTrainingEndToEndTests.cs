using System.Text.Json;
using Repro.Core.Data.Coco;
using Repro.Core.Data.ImageFolder;
using Repro.Core.Experiments;
using Repro.Core.Models.Detection;
using Repro.Core.Regimes.SelfTraining;
using Repro.Core.Tests.Training;
using Repro.Core.Training;

namespace Repro.Core.Tests.Regimes.SelfTraining;

[Collection(TorchGlobalRngCollection.Name)]
public class SelfTrainingEndToEndTests(SelfTrainingFixture f) : TorchTestBase, IClassFixture<SelfTrainingFixture>
{
    /// <summary>The teacher's detections on the unlabeled pool, computed here independently of PseudoLabeling, in
    /// batches of the labelling config's size: another batch size picks other conv kernels, whose scores differ in
    /// the last float bit, and the tests compare scores exactly (the threshold sits on one of them).</summary>
    List<ImageDetections> TeacherDetections()
    {
        using var teacher = new RetinaNet(f.Detector);
        StateDictIO.Load(teacher, f.TeacherWeights);
        return DetectorInference.Run(teacher, new UnlabeledImageFolder(f.Manifest.UnlabeledImages), f.Labelling(0.5, 1).BatchSize).Detections.ToList();
    }

    /// <summary>A threshold in the middle of the teacher's scores, so some detections pass and some do not: the median
    /// of the images' top scores, so the image whose top score it is sits exactly on the (inclusive) boundary.</summary>
    static double MedianScore(IEnumerable<ImageDetections> detections)
    {
        var top = detections.Where(d => d.Count > 0).Select(d => d.Scores.Max()).Order().ToArray();
        Assert.True(top.Length > 4, $"the teacher has detections on only {top.Length} images of the pool");
        return top[top.Length / 2];
    }

    [Fact]
    public void Pseudo_labels_are_the_teachers_detections_at_or_above_the_threshold_up_to_the_cap()
    {
        var teacher = TeacherDetections();
        double threshold = MedianScore(teacher);
        const int cap = 4;
        var dir = f.NewDir("labels");
        var result = PseudoLabeling.Run(f.Labelling(threshold, cap), dir);
        Assert.True(result.Computed);

        var file = PseudoLabelFile.Read(result.AnnotationsPath);
        var categories = CocoReader.Read(f.Manifest.DetectionTrainAnnotations).Dataset.Categories;
        Assert.Equal(categories.Select(c => (c.Id, c.Name)), file.Categories.Select(c => (c.Id, c.Name)));
        var pool = new UnlabeledImageFolder(f.Manifest.UnlabeledImages);
        Assert.Equal(pool.RelativePaths, file.Images.OrderBy(i => i.Id).Select(i => i.FileName));
        Assert.Equal(Path.GetFullPath(f.Manifest.UnlabeledImages), result.ImagesRoot);

        // Brute force: per image, every detection with score >= threshold, best first, at most `cap`; class index i is
        // the i-th category by id. (64 px images at input size 64: no rescaling.)
        var ids = categories.Select(c => c.Id).Order().ToArray();
        var byImage = file.Annotations.ToLookup(a => a.ImageId);
        int expectedBoxes = 0, capped = 0;
        for (int i = 0; i < teacher.Count; i++)
        {
            var d = teacher[i];
            var above = Enumerable.Range(0, d.Count).Where(k => d.Scores[k] >= threshold).OrderByDescending(k => d.Scores[k]).ToList();
            if (above.Count > cap) capped++;
            var expected = above.Take(cap).Select(k => (ids[d.Labels[k]], d.Boxes[4 * k], d.Boxes[4 * k + 1], (double)d.Scores[k])).ToList();
            var actual = byImage[file.Images[i].Id].Select(a => (a.CategoryId, (float)a.Bbox[0], (float)a.Bbox[1], a.Score)).ToList();
            Assert.Equal(expected, actual);
            expectedBoxes += expected.Count;
        }
        Assert.True(expectedBoxes > 0);
        Assert.True(capped > 0, "the cap never binds: the test would not check it");
        Assert.All(file.Annotations, a => Assert.True(a.Score >= threshold));

        var s = result.Statistics;
        Assert.Equal((pool.Count, expectedBoxes), (s.Images, s.Boxes));
        Assert.Equal(teacher.Sum(d => d.Count), s.ScoreHistogram.Sum());
        Assert.Equal(teacher.Sum(d => d.Scores.Count(x => x >= threshold)), s.DetectionsAboveThreshold);
        Assert.Equal(s.Boxes, s.BoxesPerCategory.Values.Sum());
        Assert.Equal(teacher.Count(d => d.Scores.Any(x => x >= threshold)), s.ImagesWithBoxes);
        Assert.True(File.Exists(result.StatisticsPath));

        // Resumable: the same config in the same folder reuses the files; another threshold recomputes them.
        var again = PseudoLabeling.Run(f.Labelling(threshold, cap), dir);
        Assert.False(again.Computed);
        Assert.Equal(s.Boxes, again.Statistics.Boxes);
        Assert.Equal(s.ScoreHistogram, again.Statistics.ScoreHistogram);
        var higher = PseudoLabeling.Run(f.Labelling(1.0, cap), dir);
        Assert.True(higher.Computed);
        Assert.Equal(0, higher.Statistics.Boxes);
        Assert.Empty(PseudoLabelFile.Read(higher.AnnotationsPath).Annotations);
    }

    [Fact]
    public void Labelling_config_errors_name_the_field()
    {
        var dir = f.NewDir("bad");
        var e = Assert.Throws<ArgumentException>(() => PseudoLabeling.Run(f.Labelling(0.5, 4) with { TeacherWeights = "/nonexistent.weights" }, dir));
        Assert.Contains("TeacherWeights", e.Message);
        e = Assert.Throws<ArgumentException>(() => PseudoLabeling.Run(f.Labelling(0.0001, 4), dir));
        Assert.Contains("ScoreThreshold", e.Message);
        e = Assert.Throws<ArgumentException>(() => PseudoLabeling.Run(f.Labelling(0.5, 4) with { Detector = f.Detector with { NumClasses = 3 } }, dir));
        Assert.Contains("NumClasses", e.Message);
    }

    SelfTrainingConfig Student(PseudoLabelResult labels, long steps, bool normalization = true) => new SelfTrainingConfig
    {
        Student = f.Supervised(steps, batchSize: 4, seed: 3),
        PseudoBatchSize = 4,
        LossNormalization = normalization,
        Alpha = 2.0,
        NormalizerTimeConstant = 10,
    }.WithPseudoLabels(labels);

    static List<JsonElement> Metrics(string runDir) =>
        File.ReadAllLines(Path.Combine(runDir, "train", "metrics.jsonl")).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();

    [Fact]
    public void Student_trains_on_human_and_pseudo_labels_with_the_normalized_loss_and_is_evaluated()
    {
        var labels = PseudoLabeling.Run(f.Labelling(MedianScore(TeacherDetections()), 4), f.NewDir("labels"));
        var dir = f.NewDir("student");
        var result = SelfTrainingExperiment.Run(Student(labels, steps: 5), dir);

        Assert.InRange(result.Metrics["AP"], 0, 100);
        Assert.True(File.Exists(Path.Combine(dir, "eval.json")));
        Assert.True(File.Exists(result.DetectionsPath));
        Assert.Equal(4, result.BatchSize);
        var pseudoData = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, SelfTrainingExperiment.PseudoDataFileName))).RootElement;
        Assert.Equal(f.Manifest.UnlabeledCount, pseudoData.GetProperty("Images").GetInt32());
        Assert.Equal(4, pseudoData.GetProperty("PseudoBatchSize").GetInt32());

        // The logged parts follow the formula: means are the EMA (τ = 10, started at the first value) of the logged
        // human/pseudo losses and the loss is 1/(1+α)·(L_h + α·(L̄h/L̄p)·L_p).
        var lines = Metrics(dir);
        Assert.Equal(5, lines.Count);
        NormalizedLossTrace.Check(lines, timeConstant: 10, alpha: 2.0, extraLoss: _ => 0);
        Assert.All(lines, e => Assert.True(e.GetProperty("num_pos_human").GetDouble() > 0));

        // The ablation: L_h + α·L_p.
        var plainDir = f.NewDir("plain");
        SelfTrainingExperiment.Run(Student(labels, steps: 2, normalization: false), plainDir);
        Assert.All(Metrics(plainDir), e =>
        {
            Assert.Equal(1.0, e.GetProperty("human_weight").GetDouble());
            Assert.Equal(2.0, e.GetProperty("pseudo_weight").GetDouble());
            Assert.Equal(e.GetProperty("loss_human").GetDouble() + 2.0 * e.GetProperty("loss_pseudo").GetDouble(), e.GetProperty("loss").GetDouble(), 4);
        });
    }

    [Fact]
    public void The_student_starts_from_the_teachers_final_weights()
    {
        // One step at a vanishing learning rate (SGD, no momentum, no decay) moves no parameter by more than ~1e-28,
        // so the student's weights after it are its first-step weights: the teacher's final ones (§3). Without
        // InitialWeights (Table 10's random student) they are the row's init and differ from the teacher's.
        var labels = PseudoLabeling.Run(f.Labelling(MedianScore(TeacherDetections()), 4), f.NewDir("labels"));
        var frozen = Student(labels, steps: 1);
        frozen = frozen with
        {
            Student = frozen.Student with
            {
                Trainer = frozen.Student.Trainer with { Optimizer = OptimizerKind.Sgd, LearningRate = 1e-30, Momentum = 0, WeightDecay = 0 },
            },
        };
        var teacher = StateDictIO.Read(f.TeacherWeights);
        double MaxDifference(SelfTrainingConfig config, string name)
        {
            var student = StateDictIO.Read(SelfTrainingExperiment.Run(config, f.NewDir(name)).Training.FinalWeightsPath);
            Assert.Equal(teacher.Keys.Order(), student.Keys.Order());
            return teacher.Keys
                .Where(k => teacher[k].is_floating_point() && !k.Contains("running_") && !k.EndsWith("num_batches_tracked"))
                .Max(k => (teacher[k].to(TorchSharp.torch.ScalarType.Float64) - student[k].to(TorchSharp.torch.ScalarType.Float64)).abs().max().item<double>());
        }
        Assert.InRange(MaxDifference(frozen with { InitialWeights = f.TeacherWeights }, "from-teacher"), 0, 1e-20);
        Assert.True(MaxDifference(frozen, "random-student") > 1e-3);
    }

    [Fact]
    public void Resuming_a_cancelled_student_ends_with_identical_weights_and_normalizer()
    {
        var labels = PseudoLabeling.Run(f.Labelling(MedianScore(TeacherDetections()), 4), f.NewDir("labels"));
        var config = Student(labels, steps: 6);
        var straightDir = f.NewDir("straight");
        var straight = SelfTrainingExperiment.Run(config, straightDir);

        var dir = f.NewDir("resumed");
        using var cts = new CancellationTokenSource();
        var progress = new TrainingTestKit.SyncProgress<TrainingProgress>(p => { if (p.Step == 3) cts.Cancel(); });
        Assert.ThrowsAny<OperationCanceledException>(() => SelfTrainingExperiment.Run(config, dir, progress, cts.Token));
        var resumed = SelfTrainingExperiment.Run(config, dir);
        Assert.Equal(3, resumed.Training.ResumedFromStep);

        var a = StateDictIO.Read(straight.Training.FinalWeightsPath);
        var b = StateDictIO.Read(resumed.Training.FinalWeightsPath);
        Assert.Equal(a.Keys.Order(), b.Keys.Order());
        foreach (var key in a.Keys)
            Assert.True(a[key].to(TorchSharp.torch.ScalarType.Float64).equal(b[key].to(TorchSharp.torch.ScalarType.Float64)).all().item<bool>(), $"'{key}' differs");
        var keys = new[] { "loss", "loss_human", "loss_pseudo", "pseudo_weight", "loss_human_mean", "loss_pseudo_mean" };
        var m1 = Metrics(straightDir); var m2 = Metrics(dir);
        Assert.Equal(m1.Count, m2.Count);
        // The normalizer's state at the resume point is far from where it started, so only its checkpointed means
        // (nothing else records them) can give the resumed steps the same weights.
        Assert.NotEqual(m1[0].GetProperty("loss_pseudo_mean").GetDouble(), m1[2].GetProperty("loss_pseudo_mean").GetDouble());
        Assert.NotEqual(m1[2].GetProperty("loss_pseudo").GetDouble(), m1[2].GetProperty("loss_pseudo_mean").GetDouble());
        for (int i = 0; i < m1.Count; i++)
            foreach (var k in keys) Assert.Equal(m1[i].GetProperty(k).GetDouble(), m2[i].GetProperty(k).GetDouble());
        Assert.Equal(straight.Metrics["AP"], resumed.Metrics["AP"]);
    }

    [Fact]
    public void Student_config_errors_name_the_field()
    {
        var ok = new SelfTrainingConfig { Student = f.Supervised(2, 4), PseudoAnnotations = f.Manifest.DetectionTrainAnnotations, PseudoImages = f.Manifest.DetectionTrainImages };
        ok.Validate();
        // Plain JSON round trip (the harness names runs by the serialized config).
        var json = JsonSerializer.Serialize(ok);
        Assert.Equal(json, JsonSerializer.Serialize(JsonSerializer.Deserialize<SelfTrainingConfig>(json)));
        var labelling = f.Labelling(0.3, 5);
        Assert.Equal(JsonSerializer.Serialize(labelling), JsonSerializer.Serialize(JsonSerializer.Deserialize<PseudoLabelConfig>(JsonSerializer.Serialize(labelling))));
        foreach (var (bad, field) in new (SelfTrainingConfig, string)[]
                 {
                     (ok with { PseudoAnnotations = "" }, "PseudoAnnotations"),
                     (ok with { PseudoImages = "/nonexistent" }, "PseudoImages"),
                     (ok with { PseudoBatchSize = 0 }, "PseudoBatchSize"),
                     (ok with { Alpha = -1 }, "Alpha"),
                     (ok with { NormalizerTimeConstant = 0.5 }, "NormalizerTimeConstant"),
                     (ok with { Student = f.Supervised(2, 4) with { Detector = f.Detector with { Loss = new LossConfig { PositiveCountMomentum = 0.9 } } } }, "PositiveCountMomentum"),
                 })
            Assert.Contains(field, Assert.Throws<ArgumentException>(bad.Validate).Message);
    }

    [Fact]
    public void Pseudo_labels_with_other_categories_are_refused()
    {
        var dir = f.NewDir("othercats");
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, "pseudo.json");
        new PseudoLabelFile
        {
            Images = { new CocoImage { Id = 1, FileName = "00000001.png", Width = 64, Height = 64 } },
            Categories = { new CocoCategory { Id = 1, Name = "something-else" } },
        }.Write(path);
        var config = new SelfTrainingConfig { Student = f.Supervised(2, 4), PseudoAnnotations = path, PseudoImages = f.Manifest.UnlabeledImages };
        var e = Assert.Throws<InvalidDataException>(() => SelfTrainingExperiment.Run(config, f.NewDir("student")));
        Assert.Contains("categories", e.Message);
    }
}
