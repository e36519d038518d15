using System.Diagnostics;
using Repro.Core.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Repro.Benchmarks;

/// <summary>
/// Resident memory of the process while <see cref="Trainer"/> trains a small conv net (default 2,000 steps,
/// TensorBoard and checkpoints on): sampled every 100 steps; after warm-up it should stay flat.
/// Args: [steps] [batch] [--gc].
/// </summary>
public sealed class TrainerMemoryBenchmark : IBenchmark
{
    public string Name => "trainer-memory";
    public string Description => "RSS over a long Trainer run of a small conv net (flat = no leak)";

    sealed class SyncProgress(Action<TrainingProgress> action) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => action(value);
    }

    public IReadOnlyDictionary<string, double> Run(string[] args)
    {
        var steps = args.Length > 0 ? long.Parse(args[0]) : 2000;
        var batch = args.Length > 1 ? int.Parse(args[1]) : 8;
        var forceGc = args.Contains("--gc"); // collect before each sample: separates leaks from uncollected garbage
        var dir = Path.Combine(Path.GetTempPath(), "repro-trainer-memory", Guid.NewGuid().ToString("N"));
        try
        {
            Seeding.SeedTorch(0);
            var model = nn.Sequential(
                ("conv1", nn.Conv2d(3, 16, 3, padding: 1)), ("bn1", nn.BatchNorm2d(16)), ("relu1", nn.ReLU()),
                ("conv2", nn.Conv2d(16, 32, 3, stride: 2, padding: 1)), ("bn2", nn.BatchNorm2d(32)), ("relu2", nn.ReLU()),
                ("pool", nn.AdaptiveAvgPool2d(1)), ("flat", nn.Flatten()), ("fc", nn.Linear(32, 10)));
            var options = new TrainerOptions
            {
                TotalSteps = steps, LearningRate = 0.05, Momentum = 0.9, WeightDecay = 1e-4, NoWeightDecayOnNormAndBias = true,
                WarmupSteps = 50, MaxGradNorm = 5, LogInterval = 100, CheckpointInterval = 500, TensorBoard = true,
            };
            var samples = new List<(long Step, double RssMiB)>();
            var liveTensors = new List<long>();
            var process = Process.GetCurrentProcess();
            var trainer = new Trainer(options, dir)
            {
                ImagesPerStep = _ => batch,
                Progress = new SyncProgress(p =>
                {
                    if (forceGc) GC.Collect();
                    process.Refresh();
                    samples.Add((p.Step, process.WorkingSet64 / 1048576.0));
                    liveTensors.Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount);
                    Console.WriteLine($"step {p.Step,6}/{p.TotalSteps}  loss {p.Losses["loss"]:F4}  rss {samples[^1].RssMiB:F1} MiB  " +
                                      $"live tensors {liveTensors[^1]}  managed {GC.GetTotalMemory(false) / 1048576.0:F1} MiB  {p.ImagesPerSecond:F0} img/s");
                }),
            };
            var clock = Stopwatch.StartNew();
            trainer.Train(model, step =>
            {
                var rng = Seeding.CreateRandom(0, "labels", step);
                var labels = tensor(Enumerable.Range(0, batch).Select(_ => (long)rng.Next(10)).ToArray());
                var x = randn(batch, 3, 32, 32) + labels.to(ScalarType.Float32).reshape(batch, 1, 1, 1) * 0.1f;
                return new Dictionary<string, Tensor> { ["loss"] = nn.functional.cross_entropy(model.forward(x), labels) };
            });
            var seconds = clock.Elapsed.TotalSeconds;

            var warm = samples.Where(s => s.Step >= Math.Min(300, steps / 4)).ToList();
            var reference = warm[0].RssMiB;
            var max = warm.Max(s => s.RssMiB);
            var min = warm.Min(s => s.RssMiB);
            var final = warm[^1].RssMiB;
            Console.WriteLine($"after warm-up (step {warm[0].Step}): {reference:F1} MiB; min {min:F1}, max {max:F1}, final {final:F1} MiB; " +
                              $"drift {(max - reference) / reference * 100:+0.0;-0.0}% / {(min - reference) / reference * 100:+0.0;-0.0}%");
            return new Dictionary<string, double>
            {
                ["steps"] = steps,
                ["rss_warm_mib"] = reference,
                ["rss_max_mib"] = max,
                ["rss_final_mib"] = final,
                ["max_growth_pct"] = (max - reference) / reference * 100,
                ["steps_per_s"] = steps / seconds,
            };
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }
}
