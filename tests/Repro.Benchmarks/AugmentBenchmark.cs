using System.Diagnostics;
using Repro.Core.Augment;
using Repro.Core.Data;
using Repro.Core.Data.Images;

namespace Repro.Benchmarks;

/// <summary>
/// Augmentation throughput: images/s per level (S1..S4) on the calling thread, at 64×64 (miniature) and 640×640
/// (paper size), on generated images with a few boxes and a mask. Pin to one core with taskset for a per-core figure.
/// Args: [seconds per cell, default 1.5].
/// </summary>
public sealed class AugmentBenchmark : IBenchmark
{
    public string Name => "augment";
    public string Description => "augmentation images/s per level (S1..S4) at 64x64 and 640x640, one thread";

    public IReadOnlyDictionary<string, double> Run(string[] args)
    {
        var results = new Dictionary<string, double>();
        WarmUp();
        if (args.Contains("--ops"))
        {
            foreach (int size in new[] { 64, 640 }) PerOp(results, size);
            return results;
        }
        double seconds = 1.5;
        if (args.Length > 0 && !double.TryParse(args[0], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out seconds))
            throw new ArgumentException($"augment benchmark: expected seconds per cell or --ops, got '{args[0]}'");
        foreach (int size in new[] { 64, 640 })
        {
            var samples = Enumerable.Range(0, 16).Select(i => Generate(size, i)).ToArray();
            foreach (var level in Enum.GetValues<AugmentLevel>())
            {
                var pipeline = AugmentPipeline.FromConfig(AugmentConfig.ForLevel(level, size));
                long boxes = 0;
                // Warm-up long enough for tiered JIT to reach optimized code.
                var warm = Stopwatch.StartNew();
                for (int i = 0; warm.Elapsed.TotalSeconds < 0.4 || i < 40; i++) pipeline.Apply(samples[i % samples.Length], 0, -1 - i);
                var proc = Process.GetCurrentProcess();
                var cpu0 = proc.TotalProcessorTime;
                var sw = Stopwatch.StartNew();
                int n = 0;
                while (sw.Elapsed.TotalSeconds < seconds)
                    for (int k = 0; k < 16; k++, n++) boxes += pipeline.Apply(samples[n % samples.Length], 1, n / samples.Length).Boxes.Length;
                double wall = sw.Elapsed.TotalSeconds;
                proc.Refresh();
                // CPU seconds this process actually got (incl. GC): on a shared machine wall time also counts waiting.
                double cpu = (proc.TotalProcessorTime - cpu0).TotalSeconds;
                double rate = n / wall, cpuRate = n / Math.Max(cpu, 1e-9);
                results[$"{level}.{size}px.images_per_s"] = rate;
                results[$"{level}.{size}px.images_per_cpu_s"] = cpuRate;
                Console.WriteLine($"{level} {size,4}x{size,-4} {rate,10:F0} images/s wall, {cpuRate,10:F0} images/CPU-s  " +
                                  $"({1e3 / cpuRate:F3} CPU-ms/image, {boxes / (double)n:F2} boxes kept/image)");
            }
        }
        return results;
    }

    /// <summary>
    /// Runs every level and op for about a second first: tiered JIT keeps postponing optimization while new methods
    /// are still being compiled, so without this the first cells would time unoptimized code.
    /// </summary>
    static void WarmUp()
    {
        var small = Generate(64, 0);
        var ops = new Repro.Core.Augment.Policies.PolicyOps(new AugmentMagnitudes());
        var sw = Stopwatch.StartNew();
        for (int round = 0; sw.Elapsed.TotalSeconds < 1.0 || round < 3; round++)
        {
            foreach (var level in Enum.GetValues<AugmentLevel>())
            {
                var p = AugmentPipeline.FromConfig(AugmentConfig.ForLevel(level, 64));
                for (int i = 0; i < 50; i++) p.Apply(small, 0, i);
            }
            foreach (var name in Repro.Core.Augment.Policies.PolicyOps.Names)
            {
                var op = ops.Create(name, 1, 7).Op;
                for (int i = 0; i < 50; i++) op.Apply(small, new AugmentRng((ulong)i));
            }
        }
    }

    /// <summary>CPU-µs per op call (args: --ops), to see where time goes.</summary>
    static void PerOp(Dictionary<string, double> results, int size)
    {
        var sample = Generate(size, 1);
        var ops = new Repro.Core.Augment.Policies.PolicyOps(new AugmentMagnitudes());
        var named = Repro.Core.Augment.Policies.PolicyOps.Names.Select(n => (n, ops.Create(n, 1, 7).Op))
            .Append(("HorizontalFlip", new Repro.Core.Augment.Geometry.HorizontalFlip()))
            .Append(("ScaleJitterCrop", new Repro.Core.Augment.Geometry.ScaleJitterCrop(size, 0.8, 1.2)));
        var proc = Process.GetCurrentProcess();
        foreach (var (name, op) in named)
        {
            var warm = Stopwatch.StartNew();
            for (int i = 0; warm.Elapsed.TotalSeconds < 0.3 || i < 40; i++) op.Apply(sample, new AugmentRng((ulong)i));
            var cpu0 = proc.TotalProcessorTime;
            int n = size <= 64 ? 2000 : 20;
            for (int i = 0; i < n; i++) op.Apply(sample, new AugmentRng((ulong)i));
            proc.Refresh();
            double us = (proc.TotalProcessorTime - cpu0).TotalMilliseconds * 1e3 / n;
            results[$"op.{name}.{size}px.cpu_us"] = us;
            Console.WriteLine($"{name,-24} {us,10:F1} CPU-us at {size}x{size}");
        }
    }

    /// <summary>A textured image with 4 filled rectangles (boxes, labels) and their class mask.</summary>
    static LabelledImage Generate(int size, int id)
    {
        var rng = new Random(id);
        var img = new RgbImage(size, size);
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
            {
                int o = img.Offset(x, y);
                img.Pixels[o] = (byte)(x * 255 / size); img.Pixels[o + 1] = (byte)(y * 255 / size); img.Pixels[o + 2] = (byte)rng.Next(256);
            }
        var mask = new byte[size * size];
        var boxes = new BoxXyxy[4];
        for (int b = 0; b < boxes.Length; b++)
        {
            int w = rng.Next(size / 6, size / 2), h = rng.Next(size / 6, size / 2);
            int x1 = rng.Next(0, size - w), y1 = rng.Next(0, size - h);
            boxes[b] = new BoxXyxy(x1, y1, x1 + w, y1 + h);
            byte r = (byte)rng.Next(256), g = (byte)rng.Next(256), bl = (byte)rng.Next(256);
            for (int y = y1; y < y1 + h; y++)
                for (int x = x1; x < x1 + w; x++)
                {
                    int o = img.Offset(x, y);
                    img.Pixels[o] = r; img.Pixels[o + 1] = g; img.Pixels[o + 2] = bl;
                    mask[y * size + x] = (byte)(b + 1);
                }
        }
        return new LabelledImage { ImageId = id, Image = img, Boxes = boxes, Labels = new[] { 0, 1, 2, 3 }, Mask = mask };
    }
}
