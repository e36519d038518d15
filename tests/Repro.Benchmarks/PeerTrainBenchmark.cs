using System.Diagnostics;
using System.Text.Json;
using Repro.Core.Models.Detection;
using Repro.Core.Native;
using static TorchSharp.torch;

namespace Repro.Benchmarks;

/// <summary>
/// Repro's miniature RetinaNet training step (the `detector-train` step) against the same network, loss and optimizer
/// written in PyTorch (peer/retinanet_peer.py, matched layer for layer), at the same thread count, batch and steps.
/// Each round times both, Repro in this process and PyTorch in a child process that runs under Repro's OpenMP wait
/// policy; the order alternates (ABBA), so a drift in the machine's load falls on both alike. Ratio = PyTorch ms / Repro
/// ms (&gt; 1: Repro is faster), of the medians over the timed steps.
/// Args: [--threads 1,2] [--rounds N (3)] [--steps N (50)] [--warmup N (10)] [--batch N (32)] [--size N (64)];
/// --check compares the two models (parameters, anchors, output shapes) instead of timing them.
/// Without a Python that imports torch it says how to get one and measures nothing.
/// </summary>
public sealed class PeerTrainBenchmark : IBenchmark
{
    const string Script = "retinanet_peer.py";

    public string Name => "peer-train";
    public string Description => "miniature RetinaNet ms/step: Repro vs the same network in PyTorch, alternating rounds";

    public IReadOnlyDictionary<string, double> Run(string[] args)
    {
        int rounds = BenchmarkArgs.Int(args, "--rounds", 3, min: 1), steps = BenchmarkArgs.Int(args, "--steps", 50, min: 1);
        int warmup = BenchmarkArgs.Int(args, "--warmup", 10), batch = BenchmarkArgs.Int(args, "--batch", 32, min: 1);
        int size = BenchmarkArgs.Int(args, "--size", 64, min: 32);
        var threadCounts = BenchmarkArgs.Ints(args, "--threads", [1, 2], min: 1);
        var python = PeerPython.Find();
        if (python == null)
        {
            Console.WriteLine($"peer-train: {PeerPython.InstallHint}");
            return new Dictionary<string, double>();
        }
        if (args.Contains("--check")) return Check(python, batch, size);

        long parameters = ParameterCount();
        var results = new Dictionary<string, double>();
        Console.WriteLine($"peer-train: miniature RetinaNet ({parameters:N0} parameters in both), batch {batch} of {size}×{size}, {steps} steps after {warmup} warm-up per round, " +
                          $"{rounds} round(s); Repro on libtorch {__version__}, PyTorch via {python.Executable}; " +
                          $"{OpenMpWaitPolicy.Variable}={OpenMpWaitPolicy.Current() ?? "unset"} for both");
        foreach (int threads in threadCounts)
        {
            var repro = new List<double>();
            var peer = new List<double>();
            for (int round = 1; round <= rounds; round++)
            {
                double[] r, p;
                if (round % 2 == 1) { r = ReproSteps(threads, steps, warmup, batch, size); p = PeerSteps(python, parameters, threads, steps, warmup, batch, size); }
                else { p = PeerSteps(python, parameters, threads, steps, warmup, batch, size); r = ReproSteps(threads, steps, warmup, batch, size); }
                repro.AddRange(r); peer.AddRange(p);
                double ratio = Median.Of(p) / Median.Of(r);
                Console.WriteLine($"  {threads} thread(s), round {round}: Repro {Median.Of(r),7:F1} ms/step   PyTorch {Median.Of(p),7:F1} ms/step   ratio {ratio:F2}");
                results[$"t{threads}_round{round}_ratio"] = ratio;
            }
            Console.WriteLine($"  {threads} thread(s), all rounds: Repro {Median.Of(repro),7:F1} ms/step (mean {repro.Average():F1})   " +
                              $"PyTorch {Median.Of(peer),7:F1} ms/step (mean {peer.Average():F1})   ratio {Median.Of(peer) / Median.Of(repro):F2}");
            results[$"t{threads}_repro_ms_per_step"] = Median.Of(repro);
            results[$"t{threads}_repro_ms_per_step_mean"] = repro.Average();
            results[$"t{threads}_pytorch_ms_per_step"] = Median.Of(peer);
            results[$"t{threads}_pytorch_ms_per_step_mean"] = peer.Average();
            results[$"t{threads}_ratio"] = Median.Of(peer) / Median.Of(repro);
        }
        Console.WriteLine("  ratio = PyTorch ms / Repro ms (> 1: Repro is faster); the machine may be shared, so timings vary with its load.");
        return results;
    }

    /// <summary>Milliseconds of each timed `detector-train` step (zeroing, losses, backward, SGD, freeing the step's tensors).</summary>
    static double[] ReproSteps(int threads, int steps, int warmup, int batch, int size)
    {
        set_num_threads(threads);
        manual_seed(0);
        var config = DetectorConfig.Miniature();
        using var det = new RetinaNet(config);
        var (images, targets) = DetectorTrainBenchmark.SyntheticBatch(batch, size, config.NumClasses, seed: 1);
        using var opt = optim.SGD(det.parameters(), 0.01, momentum: 0.9, weight_decay: 1e-4);
        det.train();
        var times = new double[steps];
        for (int step = 0; step < warmup + steps; step++)
        {
            long start = Stopwatch.GetTimestamp();
            using (NewDisposeScope())
            {
                opt.zero_grad();
                det.Losses(images, targets)["loss"].backward();
                opt.step();
            }
            if (step >= warmup) times[step - warmup] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        images.Dispose();
        foreach (var t in targets) { t.Boxes.Dispose(); t.Labels.Dispose(); }
        return times;
    }

    /// <summary>The PyTorch peer's timed steps, after checking that it has Repro's parameter count.</summary>
    static double[] PeerSteps(PeerPython python, long reproParameters, int threads, int steps, int warmup, int batch, int size)
    {
        var json = python.RunScript(Script, ["--threads", $"{threads}", "--steps", $"{steps}", "--warmup", $"{warmup}", "--batch", $"{batch}", "--size", $"{size}"]);
        long parameters = json.GetProperty("parameters").GetInt64();
        if (parameters != reproParameters)
            throw new InvalidOperationException($"PyTorch peer has {parameters:N0} parameters, Repro's model {reproParameters:N0}: not the same network (see peer-train --check)");
        return json.GetProperty("step_ms").EnumerateArray().Select(e => e.GetDouble()).ToArray();
    }

    static long ParameterCount()
    {
        using var det = new RetinaNet(DetectorConfig.Miniature());
        return ParameterCount(det);
    }

    static long ParameterCount(nn.Module module) => module.parameters().Sum(p => p.numel());

    /// <summary>
    /// Compares the PyTorch peer with Repro's model: parameter counts (total and per part), anchors per level (count
    /// and sum of squared coordinates, which depends on every anchor's centre and size) and the shapes of the pyramid
    /// features and head outputs. Throws when anything differs.
    /// </summary>
    static Dictionary<string, double> Check(PeerPython python, int batch, int size)
    {
        var peer = python.RunScript(Script, ["--check", "--batch", $"{batch}", "--size", $"{size}"]);
        using var det = new RetinaNet(DetectorConfig.Miniature());
        det.train();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var images = zeros(batch, 3, size, size);
        var features = det.Features(images);
        var (logits, deltas) = det.forward(images);
        var anchors = det.AnchorsFor(features.Select(f => ((int)f.shape[2], (int)f.shape[3])).ToArray(), images.device);

        var repro = new (string Key, JsonElement Value)[]
        {
            ("parameters", Json(ParameterCount(det))),
            ("parameters_backbone", Json(ParameterCount(det.Backbone))),
            ("parameters_fpn", Json(ParameterCount(det.Fpn))),
            ("parameters_head", Json(ParameterCount(det.Head))),
            ("anchors_per_level", Json(anchors.Select(a => a.shape[0]))),
            ("anchor_square_sums", Json(anchors.Select(a => a.to(ScalarType.Float64).square().sum().item<double>()))),
            ("feature_shapes", Json(features.Select(f => f.shape))),
            ("class_shapes", Json(logits.Select(t => t.shape))),
            ("box_shapes", Json(deltas.Select(t => t.shape))),
        };
        Console.WriteLine($"peer-train --check: Repro (libtorch {__version__}) vs {python.Executable} (PyTorch {peer.GetProperty("torch").GetString()}), batch {batch} of {size}×{size}");
        int mismatches = 0;
        foreach (var (key, value) in repro)
        {
            var other = peer.GetProperty(key);
            bool same = Same(value, other);
            if (!same) mismatches++;
            Console.WriteLine($"  {key,-20} {(same ? "equal" : "DIFFERENT")}   Repro {value}   PyTorch {other}");
        }
        if (mismatches > 0) throw new InvalidOperationException($"the PyTorch peer differs from Repro's model in {mismatches} of {repro.Length} checks");
        return new Dictionary<string, double> { ["parameters"] = repro[0].Value.GetInt64(), ["mismatches"] = 0 };
    }

    static JsonElement Json<T>(T value) => JsonSerializer.SerializeToElement(value);

    /// <summary>Equal JSON values; numbers to a relative 1e-9 (sums of the same float32 values, added in another order).</summary>
    static bool Same(JsonElement a, JsonElement b) => (a.ValueKind, b.ValueKind) switch
    {
        (JsonValueKind.Array, JsonValueKind.Array) =>
            a.GetArrayLength() == b.GetArrayLength() && a.EnumerateArray().Zip(b.EnumerateArray()).All(p => Same(p.First, p.Second)),
        (JsonValueKind.Number, JsonValueKind.Number) =>
            Math.Abs(a.GetDouble() - b.GetDouble()) <= 1e-9 * Math.Max(Math.Abs(a.GetDouble()), Math.Abs(b.GetDouble())),
        _ => false,
    };
}
