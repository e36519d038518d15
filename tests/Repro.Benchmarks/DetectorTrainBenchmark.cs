using System.Diagnostics;
using Repro.Core.Models;
using Repro.Core.Models.Detection;
using static TorchSharp.torch;

namespace Repro.Benchmarks;

/// <summary>
/// Training throughput of the miniature RetinaNet (batch 32, 64×64, plain SGD), its achieved FLOP/s against the libtorch
/// matmul peak measured in the same run, and resident memory over the steps (min/max after warm-up, relative spread).
/// Args: [--steps N (2000)] [--warmup N (20)] [--batch N (32)] [--size N (64)] [--backbone resnet|efficientnet]
/// [--threads N (libtorch default)] [--digest]. On an oversubscribed machine, 1 thread avoids OpenMP spin-waiting (see report).
/// --digest also prints a SHA-256 of every step's loss and the final weights and buffers: two builds that train the same
/// trajectory bit for bit (same seed and thread count) print the same digest.
/// </summary>
public sealed class DetectorTrainBenchmark : IBenchmark
{
    public string Name => "detector-train";
    public string Description => "miniature RetinaNet training images/s, FLOP/s vs matmul peak, resident-memory spread";

    public IReadOnlyDictionary<string, double> Run(string[] args)
    {
        int steps = BenchmarkArgs.Int(args, "--steps", 2000), warmup = BenchmarkArgs.Int(args, "--warmup", 20);
        int batch = BenchmarkArgs.Int(args, "--batch", 32), size = BenchmarkArgs.Int(args, "--size", 64);
        var family = BenchmarkArgs.String(args, "--backbone", "resnet");
        int threads = BenchmarkArgs.Int(args, "--threads", 0);
        bool digest = args.Contains("--digest");
        if (threads > 0) set_num_threads(threads);
        var config = family switch
        {
            "resnet" => DetectorConfig.Miniature(),
            "efficientnet" => DetectorConfig.MiniatureEfficientNet(),
            _ => throw new ArgumentException($"--backbone must be resnet or efficientnet, got '{family}'"),
        };

        manual_seed(0);
        using var det = new RetinaNet(config);
        long paramCount = det.parameters().Sum(p => p.numel());
        long macsPerImage = FlopCounter.DetectorMultiplyAdds(det, size, size);
        double trainFlopsPerImage = 3 * 2.0 * macsPerImage;   // forward = 2·MACs; backward ≈ 2× forward
        var (images, targets) = SyntheticBatch(batch, size, config.NumClasses, seed: 1);
        var opt = optim.SGD(det.parameters(), 0.01, momentum: 0.9, weight_decay: 1e-4);
        det.train();

        var proc = Process.GetCurrentProcess();
        long memMin = long.MaxValue, memMax = 0;
        var losses = new List<float>();   // with --digest only: reading a loss waits for the step
        var trajectory = new List<long>();   // RSS at each tenth of the measured steps, to tell a plateau from a leak
        double fwdLoss = 0, bwd = 0, upd = 0;
        var total = Stopwatch.StartNew();
        var sw = new Stopwatch();
        for (int step = 0; step < warmup + steps; step++)
        {
            if (step == warmup) { total.Restart(); fwdLoss = bwd = upd = 0; }
            using var scope = NewDisposeScope();
            sw.Restart();
            opt.zero_grad();
            var loss = det.Losses(images, targets)["loss"];
            double t0 = sw.Elapsed.TotalMilliseconds;
            if (digest) losses.Add(loss.item<float>());
            loss.backward();
            double t1 = sw.Elapsed.TotalMilliseconds;
            opt.step();
            double t2 = sw.Elapsed.TotalMilliseconds;
            (fwdLoss, bwd, upd) = (fwdLoss + t0, bwd + t1 - t0, upd + t2 - t1);
            if (step >= warmup)
            {
                proc.Refresh();
                memMin = Math.Min(memMin, proc.WorkingSet64);
                memMax = Math.Max(memMax, proc.WorkingSet64);
                if ((step - warmup + 1) % Math.Max(1, steps / 10) == 0) trajectory.Add(proc.WorkingSet64);
            }
        }
        double seconds = total.Elapsed.TotalSeconds;
        double imagesPerSecond = (double)steps * batch / seconds;
        double achievedGflops = imagesPerSecond * trainFlopsPerImage / 1e9;
        double peak = TorchMatmulPeakBenchmark.Measure();
        double spread = (memMax - memMin) / (double)(memMax + memMin);   // ± relative half-range around the midpoint

        Console.WriteLine($"detector-train: {family} miniature, {paramCount:N0} parameters, batch {batch} of {size}×{size}, {steps} steps after {warmup} warm-up, {get_num_threads()} threads");
        Console.WriteLine($"  {seconds / steps * 1000:F1} ms/step (forward+loss {fwdLoss / steps:F1}, backward {bwd / steps:F1}, SGD {upd / steps:F1}), {imagesPerSecond:F0} images/s");
        Console.WriteLine($"  {macsPerImage / 1e6:F1} MMAC/image forward → {achievedGflops:F2} GFLOP/s achieved vs {peak:F1} GFLOP/s matmul peak ({100 * achievedGflops / peak:F1}%)");
        Console.WriteLine($"  resident memory {memMin / 1048576.0:F0}–{memMax / 1048576.0:F0} MiB, spread ±{100 * spread:F1}% (target ±10%)");
        Console.WriteLine($"  resident memory by tenths of the run (MiB): {string.Join(" ", trajectory.Select(m => (m / 1048576.0).ToString("F0")))}");
        if (digest) Console.WriteLine($"  digest {Digest(det, losses)} (losses of all {losses.Count} steps, final weights and buffers)");
        Console.WriteLine("  note: the machine is shared with other jobs; timings vary with its load.");
        return new Dictionary<string, double>
        {
            ["ms_per_step"] = seconds / steps * 1000,
            ["images_per_s"] = imagesPerSecond,
            ["gflops_achieved"] = achievedGflops,
            ["gflops_matmul_peak"] = peak,
            ["peak_fraction"] = achievedGflops / peak,
            ["rss_min_mib"] = memMin / 1048576.0,
            ["rss_max_mib"] = memMax / 1048576.0,
            ["rss_spread"] = spread,
            ["parameters"] = paramCount,
            ["mmac_per_image"] = macsPerImage / 1e6,
        };
    }

    /// <summary>SHA-256 over the losses' bits and every state-dict entry's name and bytes, in state-dict order.</summary>
    static string Digest(nn.Module module, IEnumerable<float> losses)
    {
        using var sha = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        foreach (var l in losses) sha.AppendData(BitConverter.GetBytes(l));
        foreach (var (name, t) in module.state_dict())
        {
            sha.AppendData(System.Text.Encoding.UTF8.GetBytes(name));
            using var c = t.detach().cpu().contiguous();
            sha.AppendData(c.bytes);
        }
        return Convert.ToHexString(sha.GetHashAndReset()).ToLowerInvariant();
    }

    /// <summary>Random-noise images with 1–4 boxes each (the speed does not depend on the pixels).</summary>
    internal static (Tensor Images, DetectionTarget[] Targets) SyntheticBatch(int batch, int size, int classes, int seed)
    {
        var rng = new Random(seed);
        var targets = new DetectionTarget[batch];
        for (int b = 0; b < batch; b++)
        {
            int n = rng.Next(1, 5);
            var boxes = new float[n * 4]; var labels = new long[n];
            for (int i = 0; i < n; i++)
            {
                int w = rng.Next(size / 6, size / 2), h = rng.Next(size / 6, size / 2);
                int x = rng.Next(0, size - w), y = rng.Next(0, size - h);
                (boxes[4 * i], boxes[4 * i + 1], boxes[4 * i + 2], boxes[4 * i + 3]) = (x, y, x + w, y + h);
                labels[i] = rng.Next(classes);
            }
            targets[b] = DetectionTarget.FromArrays(boxes, labels);
        }
        var gen = new Generator((ulong)seed);
        return (randn(new long[] { batch, 3, size, size }, generator: gen), targets);
    }
}
