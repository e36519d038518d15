using System.Diagnostics;
using System.Text.Json;
using Repro.Core.Augment;
using Repro.Core.Data.Batching;
using Repro.Core.Data.Coco;
using Repro.Core.Data.Loading;
using Repro.Core.Data.Miniature;
using static TorchSharp.torch;

namespace Repro.Benchmarks;

/// <summary>
/// The miniature's detection data path per augmentation level: read PNG + decode + augment (S1..S4) + collate a batch
/// into a float tensor, Repro's DetectionLoader (no workers: all on the calling thread) against PIL + torchvision
/// (peer/data_peer.py, torch at one thread) on the same files in the same order. Both read every file once before
/// timing, so both run on a warm OS file cache. Rounds alternate the order (ABBA) per level. Ratio = peer ms / Repro ms
/// per batch (&gt; 1: Repro is faster), of the medians over the timed batches.
/// Args: [--levels S1,S2,S3,S4] [--rounds N (2)] [--batches N (50)] [--warmup N (5)] [--batch N (32)]
/// [--preset smoke|default (smoke)] [--cache DIR (results/data)]. Without a Python that imports torch and torchvision
/// it says how to get one and measures nothing.
/// </summary>
public sealed class PeerDataBenchmark : IBenchmark
{
    const string Script = "data_peer.py";

    public string Name => "peer-data";
    public string Description => "detection data path ms/batch per level S1..S4: Repro loader vs PIL + torchvision, alternating rounds";

    public IReadOnlyDictionary<string, double> Run(string[] args)
    {
        int rounds = BenchmarkArgs.Int(args, "--rounds", 2, min: 1), batches = BenchmarkArgs.Int(args, "--batches", 50, min: 1);
        int warmup = BenchmarkArgs.Int(args, "--warmup", 5), batch = BenchmarkArgs.Int(args, "--batch", 32, min: 1);
        var levels = BenchmarkArgs.String(args, "--levels", "S1,S2,S3,S4").Split(',').Select(AugmentLevels.Parse).ToArray();
        var python = PeerPython.Find();
        if (python == null || !python.Imports("torchvision"))
        {
            Console.WriteLine(python == null ? $"peer-data: {PeerPython.InstallHint}"
                : $"peer-data: {python.Executable} imports torch but not torchvision; on Debian `sudo apt-get install python3-torchvision`.");
            return new Dictionary<string, double>();
        }

        var preset = BenchmarkArgs.String(args, "--preset", "smoke");
        var mini = MiniatureConfig.Preset(preset);
        var manifest = MiniatureGenerator.Generate(mini, BenchmarkArgs.String(args, "--cache", Path.Combine("results", "data")));
        var dataset = new CocoDetectionDataset(CocoReader.Read(manifest.DetectionTrainAnnotations, manifest.DetectionTrainImages),
                                               manifest.DetectionTrainImages);
        if (dataset.Count < batch) throw new ArgumentException($"the {preset} miniature has {dataset.Count} training images, fewer than a batch of {batch}");
        var list = Path.Combine(Path.GetTempPath(), $"repro-peer-data-{Guid.NewGuid():N}.json");
        try
        {
            // Building the list decodes every image once: this is Repro's warm-up pass over the file cache.
            File.WriteAllText(list, JsonSerializer.Serialize(Enumerable.Range(0, dataset.Count).Select(i =>
            {
                var s = dataset.Get(i);
                return new { path = Path.GetFullPath(dataset.ImagePath(i)), boxes = s.Boxes.Select(b => new[] { b.X1, b.Y1, b.X2, b.Y2 }), labels = s.Labels };
            })));
            set_num_threads(1);
            int size = mini.ImageSize;
            Console.WriteLine($"peer-data: {dataset.Count} {size}×{size} PNGs of the {preset} miniature ({manifest.DetectionTrainImages}), batch {batch}, " +
                              $"{batches} batches after {warmup} warm-up per round, {rounds} round(s), one thread each; Repro DetectionLoader (workers 0), " +
                              $"peer PIL + torchvision via {python.Executable}; file cache warm for both (every file read before timing); Repro's JIT warmed on every level first");
            // Tiered JIT postpones optimizing while new methods keep being compiled: run every level's code for a while
            // before timing any (as `augment` does), else the first level timed would pay for it.
            var jit = Stopwatch.StartNew();
            while (jit.Elapsed.TotalSeconds < 2)
                foreach (var level in Enum.GetValues<AugmentLevel>()) ReproBatches(dataset, level, size, 10, 0, batch);
            var results = new Dictionary<string, double>();
            foreach (var level in levels)
            {
                var repro = new List<double>();
                var peer = new List<double>();
                for (int round = 1; round <= rounds; round++)
                {
                    double[] r, p;
                    if (round % 2 == 1) { r = ReproBatches(dataset, level, size, batches, warmup, batch); p = PeerBatches(python, list, level, size, batches, warmup, batch); }
                    else { p = PeerBatches(python, list, level, size, batches, warmup, batch); r = ReproBatches(dataset, level, size, batches, warmup, batch); }
                    repro.AddRange(r); peer.AddRange(p);
                    Console.WriteLine($"  {level} round {round}: Repro {Median.Of(r),7:F1} ms/batch   peer {Median.Of(p),7:F1} ms/batch   ratio {Median.Of(p) / Median.Of(r):F2}");
                    results[$"{level}_round{round}_ratio"] = Median.Of(p) / Median.Of(r);
                }
                double rm = Median.Of(repro), pm = Median.Of(peer);
                Console.WriteLine($"  {level} all rounds: Repro {rm,7:F1} ms/batch ({batch * 1e3 / rm,6:F0} images/s)   " +
                                  $"peer {pm,7:F1} ms/batch ({batch * 1e3 / pm,6:F0} images/s)   ratio {pm / rm:F2}");
                results[$"{level}_repro_ms_per_batch"] = rm;
                results[$"{level}_repro_images_per_s"] = batch * 1e3 / rm;
                results[$"{level}_peer_ms_per_batch"] = pm;
                results[$"{level}_peer_images_per_s"] = batch * 1e3 / pm;
                results[$"{level}_ratio"] = pm / rm;
            }
            Console.WriteLine("  ratio = peer ms / Repro ms (> 1: Repro is faster); the machine may be shared, so timings vary with its load.");
            return results;
        }
        finally
        {
            File.Delete(list);
        }
    }

    /// <summary>Milliseconds of each timed batch: the unshuffled loader's next batch as tensors (read, decode, augment, collate).</summary>
    static double[] ReproBatches(CocoDetectionDataset dataset, AugmentLevel level, int size, int batches, int warmup, int batch)
    {
        var pipeline = AugmentPipeline.FromConfig(AugmentConfig.ForLevel(level, size));
        // Unshuffled so that batch k holds the same files, in the same order, as the peer's batch k.
        var options = new LoaderOptions { BatchSize = batch, Seed = 1, Shuffle = false, Collate = new CollateOptions { FixedHeight = size, FixedWidth = size } };
        var loader = new DetectionLoader(dataset, options, (sample, epoch) => pipeline.Apply(sample, 1, epoch), workers: 0);
        var times = new double[batches];
        using var e = loader.Stream(0, warmup + batches).GetEnumerator();
        for (int step = 0; step < warmup + batches; step++)
        {
            long start = Stopwatch.GetTimestamp();
            e.MoveNext();
            using var b = e.Current;
            if (step >= warmup) times[step - warmup] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        return times;
    }

    static double[] PeerBatches(PeerPython python, string list, AugmentLevel level, int size, int batches, int warmup, int batch)
    {
        var json = python.RunScript(Script, ["--list", list, "--level", $"{level}", "--batches", $"{batches}", "--warmup", $"{warmup}",
                                             "--batch", $"{batch}", "--size", $"{size}"]);
        return json.GetProperty("batch_ms").EnumerateArray().Select(v => v.GetDouble()).ToArray();
    }
}
