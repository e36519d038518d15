using System.Text.Json;
using Repro.Core.Training;
using TorchSharp;
using static Repro.Core.Tests.Training.TrainingTestKit;
using static TorchSharp.torch;

namespace Repro.Core.Tests.Training;

[Collection(TorchGlobalRngCollection.Name)]
public class TrainerTests : TorchTestBase
{
    sealed class SimulatedKill : Exception;

    static List<JsonElement> ReadMetrics(string path) =>
        File.ReadAllLines(path).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();

    [Fact]
    public void Tiny_regression_converges()
    {
        using var dir = new TempDir();
        var model = Mlp(1);
        var o = Quick(150) with { LearningRate = 0.05, Momentum = 0.9, Schedule = LearningRateScheduleKind.Cosine, WarmupSteps = 10 };
        var result = new Trainer(o, dir.Path).Train(model, RegressionLoss(model));
        var first = ReadMetrics(Path.Combine(dir.Path, "metrics.jsonl"))[0].GetProperty("loss").GetDouble();
        Assert.True(result.FinalLosses["loss"] * 10 <= first, $"loss fell from {first} to {result.FinalLosses["loss"]} only");
        Assert.True(File.Exists(result.FinalWeightsPath));
        Assert.Null(result.ResumedFromStep);
    }

    [Theory]
    [InlineData(OptimizerKind.Sgd)]
    [InlineData(OptimizerKind.AdamW)]
    public void Interrupted_and_resumed_run_ends_with_bitwise_identical_weights(OptimizerKind optimizer)
    {
        using var dir = new TempDir();
        var o = Quick(40) with
        {
            Optimizer = optimizer, LearningRate = optimizer == OptimizerKind.Sgd ? 0.05 : 0.01, Momentum = 0.9, Nesterov = true,
            WeightDecay = 1e-3, NoWeightDecayOnNormAndBias = true, Schedule = LearningRateScheduleKind.Cosine, WarmupSteps = 5,
            MaxGradNorm = 10, CheckpointInterval = 20, LogInterval = 5, Seed = 3,
        };

        var straight = Mlp(11);
        new Trainer(o, dir.Sub("straight")).Train(straight, RegressionLoss(straight));

        // First attempt dies at step 27, after the checkpoint at 20 (steps 20–26 are lost, as in a kill).
        var first = Mlp(11);
        var lossFirst = RegressionLoss(first);
        Assert.Throws<SimulatedKill>(() => new Trainer(o, dir.Sub("resumed")).Train(first, step =>
            step == 27 ? throw new SimulatedKill() : lossFirst(step)));

        // A new process would build a new model (here deliberately with other initial weights) and call Train again.
        var second = Mlp(999);
        var result = new Trainer(o, dir.Sub("resumed")).Train(second, RegressionLoss(second));

        Assert.Equal(20, result.ResumedFromStep);
        AssertBitwiseEqual(straight, second);
        var steps = ReadMetrics(Path.Combine(dir.Sub("resumed"), "metrics.jsonl")).Select(e => e.GetProperty("step").GetInt64());
        Assert.Equal([0L, 5, 10, 15, 20, 25, 30, 35, 39], steps);
    }

    [Fact]
    public void Cancellation_writes_a_checkpoint_and_resuming_finishes_identically()
    {
        using var dir = new TempDir();
        var o = Quick(30) with { LearningRate = 0.05, Momentum = 0.9, LogInterval = 5 };
        var straight = Mlp(5);
        new Trainer(o, dir.Sub("straight")).Train(straight, RegressionLoss(straight));

        using var cts = new CancellationTokenSource();
        var model = Mlp(5);
        var trainer = new Trainer(o, dir.Sub("cancelled"))
        {
            Progress = new SyncProgress<TrainingProgress>(p => { if (p.Step == 11) cts.Cancel(); }),
        };
        Assert.ThrowsAny<OperationCanceledException>(() => trainer.Train(model, RegressionLoss(model), cts.Token));
        Assert.Equal(11, TrainingCheckpoint.ReadHeader(TrainingCheckpoint.FindLatest(trainer.CheckpointDirectory)!).Step);

        var resumed = Mlp(6);
        var result = new Trainer(o, dir.Sub("cancelled")).Train(resumed, RegressionLoss(resumed));
        Assert.Equal(11, result.ResumedFromStep);
        AssertBitwiseEqual(straight, resumed);
    }

    /// <summary>Loss state for the tests: a running mean of the loss that divides it, so a resumed run that lost the
    /// mean would take other steps.</summary>
    sealed class RunningMean : nn.Module
    {
        readonly Tensor mean = zeros(1, ScalarType.Float64);
        public RunningMean() : base(nameof(RunningMean)) => register_buffer(nameof(mean), mean);
        public double Value => mean.item<double>();

        public Func<long, Dictionary<string, Tensor>> Scaling(Func<long, Dictionary<string, Tensor>> loss) => step =>
        {
            var parts = loss(step);
            using (no_grad()) mean.fill_(0.5 * Value + 0.5 * parts["loss"].item<float>());
            parts["loss"] = parts["loss"] / (1 + Value);
            return parts;
        };
    }

    [Fact]
    public void The_loss_state_is_checkpointed_beside_the_model_and_restored_on_resume_but_left_out_of_the_final_weights()
    {
        using var dir = new TempDir();
        var o = Quick(30) with { LearningRate = 0.05, Momentum = 0.9, CheckpointInterval = 10 };
        var straight = Mlp(8);
        var straightMean = new RunningMean();
        var result = new Trainer(o, dir.Sub("straight")) { LossState = straightMean }.Train(straight, straightMean.Scaling(RegressionLoss(straight)));

        var first = Mlp(8);
        var firstMean = new RunningMean();
        var lossFirst = firstMean.Scaling(RegressionLoss(first));
        Assert.Throws<SimulatedKill>(() => new Trainer(o, dir.Sub("resumed")) { LossState = firstMean }.Train(first, step =>
            step == 17 ? throw new SimulatedKill() : lossFirst(step)));

        // A new process: fresh model and fresh state, both restored from the checkpoint at step 10.
        var second = Mlp(9);
        var secondMean = new RunningMean();
        var resumed = new Trainer(o, dir.Sub("resumed")) { LossState = secondMean }.Train(second, secondMean.Scaling(RegressionLoss(second)));
        Assert.Equal(10, resumed.ResumedFromStep);
        AssertBitwiseEqual(straight, second);
        AssertBitwiseEqual(straightMean, secondMean);
        Assert.NotEqual(0, secondMean.Value);

        // final.weights is the model's alone; the checkpoint's model part still loads into a bare model.
        Assert.Equal(straight.state_dict().Keys.Order(), StateDictIO.Read(result.FinalWeightsPath).Keys.Order());
        var bare = Mlp(10);
        TrainingCheckpoint.LoadModel(result.CheckpointPath, bare);
        AssertBitwiseEqual(straight, bare);

        // The checkpoint holds the state: resuming it without one, or one without it, is refused.
        var noState = Mlp(8);
        Assert.Contains(TrainingCheckpoint.LossStatePrefix + "mean", Assert.Throws<StateDictMismatchException>(() =>
            new Trainer(o, dir.Sub("straight")).Train(noState, RegressionLoss(noState))).Message);
        var plain = Mlp(8);
        new Trainer(Quick(2), dir.Sub("plain")).Train(plain, RegressionLoss(plain));
        Assert.Contains("holds none", Assert.Throws<InvalidDataException>(() =>
            new Trainer(Quick(2), dir.Sub("plain")) { LossState = new RunningMean() }.Train(plain, RegressionLoss(plain))).Message);

        Assert.Contains("buffers only", Assert.Throws<ArgumentException>(() =>
            new Trainer(Quick(1), dir.Sub("param")) { LossState = nn.Linear(1, 1) }.Train(plain, RegressionLoss(plain))).Message);
    }

    [Fact]
    public void Same_seed_gives_identical_losses_and_another_seed_does_not()
    {
        using var dir = new TempDir();
        double[] Losses(string name, long seed)
        {
            var model = Mlp(seed);
            new Trainer(Quick(15) with { Seed = seed, LearningRate = 0.05 }, dir.Sub(name)).Train(model, RegressionLoss(model));
            return ReadMetrics(Path.Combine(dir.Sub(name), "metrics.jsonl")).Select(e => e.GetProperty("loss").GetDouble()).ToArray();
        }

        var a = Losses("a", 42);
        var b = Losses("b", 42);
        var c = Losses("c", 43);
        Assert.Equal(15, a.Length);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void Non_finite_loss_part_throws_naming_step_and_part()
    {
        using var dir = new TempDir();
        var lin = nn.Linear(2, 1);
        var before = Values(lin.weight!);
        var e = Assert.Throws<TrainingDivergedException>(() => new Trainer(Quick(10), dir.Path).Train(lin, step =>
        {
            var loss = lin.forward(ones(1, 2)).sum();
            return new Dictionary<string, Tensor>
            {
                ["loss"] = loss,
                ["box"] = step == 3 ? tensor(float.NaN) : loss.detach(),
            };
        }));
        Assert.Equal(3, e.Step);
        Assert.Equal("box", e.Part);
        Assert.Contains("step 3", e.Message);
        // exactly three updates of −lr·1 (the gradient of the sum w.r.t. each weight is 1) happened before
        var after = Values(lin.weight!);
        for (var i = 0; i < 2; i++) Assert.Equal(before[i] - 0.01f * (1 + 1.9f + 2.71f), after[i], 5);

        using var dir2 = new TempDir();
        var inf = Assert.Throws<TrainingDivergedException>(() => new Trainer(Quick(5), dir2.Path).Train(lin, step =>
            new Dictionary<string, Tensor> { ["loss"] = lin.forward(ones(1, 2)).sum() * (step == 0 ? float.PositiveInfinity : 1) }));
        Assert.Equal(0, inf.Step);
        Assert.Equal("loss", inf.Part);
    }

    [Fact]
    public void Metrics_have_one_json_line_per_logged_step_and_tensorboard_records_are_framed()
    {
        using var dir = new TempDir();
        var model = Mlp(2);
        var o = Quick(25) with { LogInterval = 10, TensorBoard = true, WarmupSteps = 20, LearningRate = 0.05 };
        var reports = new List<TrainingProgress>();
        var trainer = new Trainer(o, dir.Path) { ImagesPerStep = _ => 16, Progress = new SyncProgress<TrainingProgress>(reports.Add) };
        trainer.Train(model, RegressionLoss(model));

        var lines = ReadMetrics(trainer.MetricsPath);
        Assert.Equal([0L, 10, 20, 24], lines.Select(l => l.GetProperty("step").GetInt64()));
        var schedule = new LearningRateSchedule(o);
        foreach (var line in lines)
        {
            Assert.Equal(["step", "lr", "loss", "mse_x2", "grad_norm", "images_per_s", "elapsed_s"], line.EnumerateObject().Select(p => p.Name));
            Assert.Equal(schedule.At(line.GetProperty("step").GetInt64()), line.GetProperty("lr").GetDouble(), 12);
            Assert.Equal(2 * line.GetProperty("loss").GetDouble(), line.GetProperty("mse_x2").GetDouble(), 5);
            Assert.True(line.GetProperty("grad_norm").GetDouble() > 0);
            Assert.True(line.GetProperty("images_per_s").GetDouble() > 0);
        }

        Assert.Equal([1L, 11, 21, 25], reports.Select(r => r.Step));
        Assert.All(reports, r => Assert.Equal(25, r.TotalSteps));
        Assert.Equal(TimeSpan.Zero, reports[^1].Eta);

        // TFRecord framing: u64 length, u32 crc, payload, u32 crc. One file-version record + 5 scalars per logged step.
        var events = Directory.GetFiles(trainer.TensorBoardDirectory, "events.out.tfevents.*");
        var bytes = File.ReadAllBytes(Assert.Single(events));
        int records = 0;
        for (long at = 0; at < bytes.Length; records++) at += 8 + 4 + BitConverter.ToInt64(bytes, (int)at) + 4;
        Assert.Equal(1 + 5 * 4, records);
    }

    [Fact]
    public void Resuming_under_other_options_is_refused()
    {
        using var dir = new TempDir();
        var model = Mlp(1);
        new Trainer(Quick(4), dir.Path).Train(model, RegressionLoss(model));
        var e = Assert.Throws<InvalidDataException>(() => new Trainer(Quick(4) with { LearningRate = 0.5 }, dir.Path).Train(model, RegressionLoss(model)));
        Assert.Contains("different training options", e.Message);

        // same options, already complete: nothing to do, same weights
        var bits = Bits(model);
        var again = new Trainer(Quick(4) with { LogInterval = 2 }, dir.Path).Train(model, _ => throw new InvalidOperationException("must not be called"));
        Assert.Equal(4, again.ResumedFromStep);
        var after = Bits(model);
        foreach (var (key, value) in bits) Assert.Equal(value, after[key]);
    }

    [Fact]
    public void Bad_loss_dictionaries_and_devices_fail_clearly()
    {
        using var dir = new TempDir();
        var lin = nn.Linear(2, 1);
        var noTotal = Assert.Throws<ArgumentException>(() => new Trainer(Quick(1), dir.Sub("a")).Train(lin, _ =>
            new Dictionary<string, Tensor> { ["cls"] = lin.forward(ones(1, 2)).sum() }));
        Assert.Contains("\"loss\"", noTotal.Message);

        var notScalar = Assert.Throws<ArgumentException>(() => new Trainer(Quick(1), dir.Sub("b")).Train(lin, _ =>
            new Dictionary<string, Tensor> { ["loss"] = lin.forward(ones(3, 2)) }));
        Assert.Contains("scalar", notScalar.Message);

        if (!cuda.is_available())
            Assert.Contains("CUDA is not available", Assert.Throws<ArgumentException>(() => new Trainer(new TrainerOptions { Device = "cuda" }, dir.Path)).Message);
        Assert.Contains("unknown device", Assert.Throws<ArgumentException>(() => new Trainer(new TrainerOptions { Device = "gpu" }, dir.Path)).Message);
    }

    [Fact]
    public void Training_and_checkpointing_leave_no_live_tensors_behind()
    {
        using var dir = new TempDir();
        var model = Mlp(4);
        var loss = RegressionLoss(model);
        long Live() => DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        var before = Live();
        new Trainer(Quick(30) with { CheckpointInterval = 10, LogInterval = 7, MaxGradNorm = 1 }, dir.Sub("a")).Train(model, loss);
        Assert.Equal(before, Live());

        StateDictIO.Save(model, dir.Sub("m.weights"));
        StateDictIO.Load(model, dir.Sub("m.weights"));
        Assert.Equal(before, Live());
    }
}
