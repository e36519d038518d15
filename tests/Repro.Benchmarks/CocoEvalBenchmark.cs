using System.Diagnostics;
using System.Text.Json;
using Repro.Core.Data.Coco;
using Repro.Core.Evaluation.Coco;

namespace Repro.Benchmarks;

/// <summary>
/// COCO bbox evaluation speed: a deterministic synthetic set (default 5,000 images × 100 detections, 80 categories)
/// evaluated in memory ("eval", validation included) and from JSON files through <see cref="CocoEvalCommand"/>
/// ("total": read + validate + evaluate). Run pinned to one core: taskset -c 0 dotnet run -c Release --project
/// tests/Repro.Benchmarks -- eval [--images N] [--dets N] [--reps N] [--seed N].
/// </summary>
public sealed class CocoEvalBenchmark : IBenchmark
{
    public string Name => "eval";
    public string Description => "COCO bbox evaluation: 5000 images x 100 detections, 80 categories (seconds, memory)";

    public IReadOnlyDictionary<string, double> Run(string[] args)
    {
        int images = Arg(args, "--images", 5000), dets = Arg(args, "--dets", 100), reps = Arg(args, "--reps", 3), seed = Arg(args, "--seed", 1);
        var sw = Stopwatch.StartNew();
        var (gt, results) = Generate(images, dets, categories: 80, seed);
        double genSeconds = sw.Elapsed.TotalSeconds;
        Console.WriteLine($"generated {gt.Images.Count} images, {gt.Annotations.Count} ground truths, {results.Count} detections in {genSeconds:F2} s");

        string dir = Path.Combine(Path.GetTempPath(), $"repro-eval-bench-{Environment.ProcessId}");
        Directory.CreateDirectory(dir);
        string gtPath = Path.Combine(dir, "gt.json"), dtPath = Path.Combine(dir, "results.json");
        File.WriteAllText(gtPath, JsonSerializer.Serialize(gt, CocoJson.Options));
        File.WriteAllText(dtPath, JsonSerializer.Serialize(results, CocoJson.Options));

        using var sampler = new PeakHeapSampler();
        var evalTimes = new List<double>(); var totalTimes = new List<double>(); var evalCpu = new List<double>(); var totalCpu = new List<double>();
        var proc = Process.GetCurrentProcess();
        long allocated = 0;
        CocoEvalSummary? summary = null;
        for (int r = 0; r < reps; r++)
        {
            GC.Collect(); GC.WaitForPendingFinalizers(); GC.Collect();
            long before = GC.GetAllocatedBytesForCurrentThread();
            proc.Refresh(); var cpu0 = proc.TotalProcessorTime;
            sw.Restart();
            summary = CocoEvaluator.Evaluate(gt, results);
            evalTimes.Add(sw.Elapsed.TotalSeconds);
            proc.Refresh(); evalCpu.Add((proc.TotalProcessorTime - cpu0).TotalSeconds);
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;

            GC.Collect();
            proc.Refresh(); cpu0 = proc.TotalProcessorTime;
            sw.Restart();
            var fromFiles = CocoEvalCommand.Run(gtPath, dtPath);
            totalTimes.Add(sw.Elapsed.TotalSeconds);
            proc.Refresh(); totalCpu.Add((proc.TotalProcessorTime - cpu0).TotalSeconds);
            if (fromFiles.AP != summary.AP) throw new InvalidOperationException("file and in-memory evaluation disagree");
        }
        for (int r = 0; r < reps; r++)
        {
            GC.Collect();
            sw.Restart();
            var g = CocoGroundTruthLoader.Load(gtPath);
            double gtLoad = sw.Elapsed.TotalSeconds; sw.Restart();
            CocoResultsLoader.Load(dtPath, g);
            Console.WriteLine($"file phases: read+validate ground truth {gtLoad:F3} s, read+validate results {sw.Elapsed.TotalSeconds:F3} s");
        }
        Directory.Delete(dir, recursive: true);

        Console.Write(summary!.ToText());
        for (int r = 0; r < reps; r++) PrintPhases(gt, results);
        evalTimes.Sort(); totalTimes.Sort(); evalCpu.Sort(); totalCpu.Sort();
        var peakWs = Process.GetCurrentProcess().PeakWorkingSet64;
        Console.WriteLine($"eval (in memory): best {evalTimes[0]:F3} s, median {evalTimes[reps / 2]:F3} s; total (files): best {totalTimes[0]:F3} s, median {totalTimes[reps / 2]:F3} s");
        Console.WriteLine($"process CPU time: eval best {evalCpu[0]:F3} s, median {evalCpu[reps / 2]:F3} s; total best {totalCpu[0]:F3} s, median {totalCpu[reps / 2]:F3} s (wall time includes waiting for the shared core)");
        Console.WriteLine($"allocated during eval {allocated / 1e6:F1} MB; peak managed heap {sampler.PeakBytes / 1e6:F1} MB; peak working set {peakWs / 1e6:F1} MB; cores visible {Environment.ProcessorCount}");
        return new Dictionary<string, double>
        {
            ["eval_seconds_best"] = evalTimes[0],
            ["eval_seconds_median"] = evalTimes[reps / 2],
            ["eval_cpu_seconds_best"] = evalCpu[0],
            ["eval_cpu_seconds_median"] = evalCpu[reps / 2],
            ["total_seconds_best"] = totalTimes[0],
            ["total_seconds_median"] = totalTimes[reps / 2],
            ["eval_allocated_mb"] = allocated / 1e6,
            ["peak_managed_mb"] = sampler.PeakBytes / 1e6,
            ["peak_working_set_mb"] = peakWs / 1e6,
            ["AP"] = summary.AP,
        };
    }

    /// <summary>One more in-memory run, timing each stage (validation, grouping, matching, accumulation, summary).</summary>
    static void PrintPhases(CocoDataset gt, List<CocoResult> results)
    {
        var p = CocoEvalParams.Default;
        var sw = Stopwatch.StartNew();
        CocoGroundTruthLoader.Validate(gt, "gt"); CocoResultsLoader.Validate(results, gt, "results");
        double validate = sw.Elapsed.TotalSeconds; sw.Restart();
        var input = CocoEvalInput.Build(gt, results, p.MaxDets[^1]);
        double build = sw.Elapsed.TotalSeconds; sw.Restart();
        var matches = GreedyMatcher.Match(input, p, IouComputers.For("bbox"));
        double match = sw.Elapsed.TotalSeconds; sw.Restart();
        var acc = PrecisionRecallAccumulator.Accumulate(input, matches, p);
        double accumulate = sw.Elapsed.TotalSeconds; sw.Restart();
        CocoSummarizer.Summarize(acc);
        double summarize = sw.Elapsed.TotalSeconds;
        Console.WriteLine($"phases: validate {validate:F3} s, group {build:F3} s, match {match:F3} s, accumulate {accumulate:F3} s, summarize {summarize:F3} s");
    }

    static int Arg(string[] args, string name, int fallback)
    {
        int i = Array.IndexOf(args, name);
        if (i < 0) return fallback;
        if (i + 1 >= args.Length || !int.TryParse(args[i + 1], out int v) || v < 1) throw new ArgumentException($"{name} needs a positive integer");
        return v;
    }

    /// <summary>
    /// Deterministic synthetic data: 1–15 ground truths per image (log-uniform sizes 4–300 px in 640×480, area field
    /// 50–90 % of w·h as a mask would give, 1 % crowd); per image 1–3 jittered detections per ground truth and random
    /// false positives up to <paramref name="detsPerImage"/>; scores rounded to 1e-3 so ties occur.
    /// </summary>
    public static (CocoDataset, List<CocoResult>) Generate(int images, int detsPerImage, int categories, int seed)
    {
        var rng = new Random(seed);
        var gt = new CocoDataset();
        for (int c = 1; c <= categories; c++) gt.Categories.Add(new CocoCategory { Id = c, Name = $"class{c}" });
        var results = new List<CocoResult>(images * detsPerImage);
        long annId = 1;
        for (int i = 1; i <= images; i++)
        {
            gt.Images.Add(new CocoImage { Id = i, FileName = $"{i:D6}.jpg", Width = 640, Height = 480 });
            int n = rng.Next(1, 16), made = 0;
            for (int g = 0; g < n; g++)
            {
                double w = Math.Exp(rng.NextDouble() * Math.Log(75)) * 4, h = Math.Exp(rng.NextDouble() * Math.Log(75)) * 4;
                w = Math.Min(w, 639); h = Math.Min(h, 479);
                double x = rng.NextDouble() * (640 - w), y = rng.NextDouble() * (480 - h);
                int cat = rng.Next(1, categories + 1);
                gt.Annotations.Add(new CocoAnnotation
                {
                    Id = annId++, ImageId = i, CategoryId = cat, Bbox = new[] { x, y, w, h },
                    Area = w * h * (0.5 + 0.4 * rng.NextDouble()), IsCrowd = rng.Next(100) == 0 ? 1 : 0,
                });
                for (int k = rng.Next(1, 4); k > 0 && made < detsPerImage; k--, made++)
                {
                    double j = 0.25 * rng.NextDouble();
                    results.Add(new CocoResult
                    {
                        ImageId = i, CategoryId = rng.Next(10) == 0 ? rng.Next(1, categories + 1) : cat,
                        Bbox = new[] { x + j * w * (rng.NextDouble() - 0.5), y + j * h * (rng.NextDouble() - 0.5), w * (1 + j * (rng.NextDouble() - 0.5)), h * (1 + j * (rng.NextDouble() - 0.5)) },
                        Score = Math.Round(0.3 + 0.7 * rng.NextDouble(), 3),
                    });
                }
            }
            for (; made < detsPerImage; made++)
            {
                double w = Math.Exp(rng.NextDouble() * Math.Log(75)) * 4, h = Math.Exp(rng.NextDouble() * Math.Log(75)) * 4;
                results.Add(new CocoResult
                {
                    ImageId = i, CategoryId = rng.Next(1, categories + 1),
                    Bbox = new[] { rng.NextDouble() * 600, rng.NextDouble() * 440, Math.Min(w, 640), Math.Min(h, 480) },
                    Score = Math.Round(0.6 * rng.NextDouble(), 3),
                });
            }
        }
        return (gt, results);
    }

    /// <summary>Samples the managed heap size every few milliseconds and keeps the maximum.</summary>
    sealed class PeakHeapSampler : IDisposable
    {
        readonly Timer _timer;
        long _peak;
        public PeakHeapSampler() => _timer = new Timer(_ => Sample(), null, 0, 5);
        void Sample() { long v = GC.GetTotalMemory(false); if (v > Interlocked.Read(ref _peak)) Interlocked.Exchange(ref _peak, v); }
        public long PeakBytes { get { Sample(); return Interlocked.Read(ref _peak); } }
        public void Dispose() => _timer.Dispose();
    }
}
