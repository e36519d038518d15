using Repro.Core.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Repro.Core.Tests.Training;

/// <summary>
/// Tests that train through torch's process-wide RNG must not run beside other torch tests, or their random draws
/// would interleave; xunit runs this collection alone after the parallel ones.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TorchGlobalRngCollection
{
    public const string Name = "torch global RNG";
}

/// <summary>Small models, data and helpers shared by the training tests.</summary>
internal static class TrainingTestKit
{
    /// <summary>A fresh temporary folder, deleted on dispose.</summary>
    public sealed class TempDir : IDisposable
    {
        public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "repro-training-tests", Guid.NewGuid().ToString("N"));
        public TempDir() => Directory.CreateDirectory(Path);
        public string Sub(string name) => System.IO.Path.Combine(Path, name);
        public void Dispose()
        {
            try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>IProgress that runs synchronously on the training thread (Progress&lt;T&gt; would post elsewhere).</summary>
    public sealed class SyncProgress<T>(Action<T> action) : IProgress<T>
    {
        public void Report(T value) => action(value);
    }

    /// <summary>4 → 16 → 1 MLP with dropout, so training consumes torch's RNG.</summary>
    public static nn.Module<Tensor, Tensor> Mlp(long seed)
    {
        Seeding.SeedTorch(seed);
        return nn.Sequential(
            ("fc1", nn.Linear(4, 16)),
            ("relu", nn.ReLU()),
            ("drop", nn.Dropout(0.2)),
            ("fc2", nn.Linear(16, 1)));
    }

    /// <summary>Targets y = x·[1, -2, 0.5, 3] + 0.7; the batch of a step is a pure function of (seed, step).</summary>
    public static (Tensor X, Tensor Y) RegressionBatch(long seed, long step, int batch = 16)
    {
        var rng = Seeding.CreateRandom(seed, "regression-batch", step);
        var x = new float[batch * 4];
        for (var i = 0; i < x.Length; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        var y = new float[batch];
        float[] w = [1, -2, 0.5f, 3];
        for (var b = 0; b < batch; b++)
        {
            var s = 0.7f;
            for (var j = 0; j < 4; j++) s += w[j] * x[b * 4 + j];
            y[b] = s;
        }
        return (tensor(x).reshape(batch, 4), tensor(y).reshape(batch, 1));
    }

    /// <summary>Mean-squared-error loss callback on <see cref="RegressionBatch"/>, with a second reported part.</summary>
    public static Func<long, Dictionary<string, Tensor>> RegressionLoss(nn.Module<Tensor, Tensor> model, long dataSeed = 7) => step =>
    {
        var (x, y) = RegressionBatch(dataSeed, step);
        var mse = nn.functional.mse_loss(model.forward(x), y);
        return new Dictionary<string, Tensor> { ["loss"] = mse, ["mse_x2"] = mse.detach() * 2 };
    };

    /// <summary>Every state-dict entry as raw 64-bit patterns of its values (float32 → float64 is exact).</summary>
    public static Dictionary<string, long[]> Bits(nn.Module module) =>
        module.state_dict().ToDictionary(kv => kv.Key, kv =>
        {
            using var d = kv.Value.detach().to(ScalarType.Float64).cpu();
            return d.data<double>().ToArray().Select(BitConverter.DoubleToInt64Bits).ToArray();
        });

    public static void AssertBitwiseEqual(nn.Module expected, nn.Module actual)
    {
        var a = Bits(expected);
        var b = Bits(actual);
        Assert.Equal(a.Keys.Order(), b.Keys.Order());
        foreach (var key in a.Keys) Assert.True(a[key].SequenceEqual(b[key]), $"state-dict entry '{key}' differs");
    }

    public static float[] Values(Tensor t)
    {
        using var c = t.detach().cpu().contiguous();
        return c.data<float>().ToArray();
    }

    /// <summary>Options for fast tests: no TensorBoard, log every step, no periodic checkpoints.</summary>
    public static TrainerOptions Quick(long steps) => new()
    {
        TotalSteps = steps, LogInterval = 1, CheckpointInterval = 0, TensorBoard = false,
        Schedule = LearningRateScheduleKind.Constant, WeightDecay = 0,
    };
}
