using System.Diagnostics;
using System.Text;
using Repro.Core.Data;
using Repro.Core.Data.Coco;
using Repro.Core.Data.Images;
using Repro.Core.Data.Loading;

namespace Repro.Benchmarks;

/// <summary>
/// Images/s of the detection input pipeline (read PNG + decode + collate + tensor) at batch 32 with 0 (inline),
/// 1 and 2 background workers, plus with the in-memory image cache warm. By default it generates 2,000 64×64 PNGs
/// with a COCO instances file in a temp folder; <c>--coco-json FILE --images DIR</c> points it at another set.
/// Other options: <c>--count N</c> (generated images), <c>--batch B</c>, <c>--epochs E</c> (per measurement).
/// </summary>
public sealed class DataLoadBenchmark : IBenchmark
{
    public string Name => "data-load";
    public string Description => "images/s of COCO load+decode+collate (batch 32), 0/1/2 workers and cached";

    public IReadOnlyDictionary<string, double> Run(string[] args)
    {
        string? json = Arg(args, "--coco-json"), images = Arg(args, "--images");
        int count = int.Parse(Arg(args, "--count") ?? "2000"), batch = int.Parse(Arg(args, "--batch") ?? "32");
        int epochs = int.Parse(Arg(args, "--epochs") ?? "2");
        if ((json == null) != (images == null)) throw new ArgumentException("--coco-json and --images go together");
        string? temp = null;
        try
        {
            if (json == null)
            {
                temp = Path.Combine(Path.GetTempPath(), $"repro-data-load-{Guid.NewGuid():N}");
                var sw = Stopwatch.StartNew();
                (json, images) = Generate(temp, count);
                Console.WriteLine($"generated {count} 64x64 PNGs + instances JSON in {sw.Elapsed.TotalSeconds:F1} s ({temp})");
            }
            var read = CocoReader.Read(json, images);
            Console.WriteLine($"{read.Dataset.Images.Count} images, {read.Dataset.Annotations.Count} annotations; read report: {read.Report}");
            var options = new LoaderOptions { BatchSize = batch, Seed = 1 };
            var results = new Dictionary<string, double>();

            var plain = new CocoDetectionDataset(read, images!);
            Measure(new DetectionLoader(plain, options, workers: 0), 1); // warm-up (JIT, file cache)
            foreach (var workers in new[] { 0, 1, 2 })
                results[$"images_per_s.workers{workers}"] = Measure(new DetectionLoader(plain, options, workers: workers), epochs, results, $"cpu_ms_per_image.workers{workers}");

            var cached = new CocoDetectionDataset(read, images!, cache: new ImageCache());
            Measure(new DetectionLoader(cached, options, workers: 2), 1); // fills the cache
            results["images_per_s.workers2_cached"] = Measure(new DetectionLoader(cached, options, workers: 2), epochs, results, "cpu_ms_per_image.workers2_cached");
            return results;
        }
        finally
        {
            if (temp != null) Directory.Delete(temp, recursive: true);
        }
    }

    /// <summary>Wall-clock images/s; also prints process CPU time per image, which (unlike wall time) does not
    /// depend on how busy a shared machine is.</summary>
    static double Measure(DetectionLoader loader, int epochs, Dictionary<string, double>? cpuOut = null, string? key = null)
    {
        long n = 0;
        var proc = Process.GetCurrentProcess();
        var cpu0 = proc.TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        foreach (var b in loader.Stream(0, (long)epochs * loader.BatchesPerEpoch))
            using (b) n += b.BatchSize;
        var rate = n / sw.Elapsed.TotalSeconds;
        proc.Refresh();
        var cpuMs = (proc.TotalProcessorTime - cpu0).TotalMilliseconds / n;
        if (cpuOut != null && key != null) cpuOut[key] = cpuMs;
        Console.WriteLine($"  workers={loader.Workers}: {n} images in {sw.Elapsed.TotalSeconds:F2} s = {rate:F0} images/s, {cpuMs:F3} CPU-ms/image");
        return rate;
    }

    /// <summary>Textured 64×64 images (gradient + noise + a few rectangles) and boxes for the rectangles.</summary>
    static (string Json, string Images) Generate(string root, int count)
    {
        var imageDir = Path.Combine(root, "images");
        Directory.CreateDirectory(imageDir);
        var rng = new Random(12345);
        var imgs = new StringBuilder();
        var anns = new StringBuilder();
        long annId = 1;
        for (int i = 0; i < count; i++)
        {
            var img = new RgbImage(64, 64);
            var px = img.Pixels;
            for (int y = 0; y < 64; y++)
                for (int x = 0; x < 64; x++)
                    for (int c = 0; c < 3; c++)
                        px[(y * 64 + x) * 3 + c] = (byte)Math.Clamp(x * (c + 1) + y * (3 - c) + rng.Next(-12, 13), 0, 255);
            int objects = 1 + rng.Next(4);
            for (int o = 0; o < objects; o++)
            {
                int w = 6 + rng.Next(24), h = 6 + rng.Next(24), x0 = rng.Next(64 - w), y0 = rng.Next(64 - h), cat = 1 + rng.Next(3);
                byte r = (byte)rng.Next(256), g = (byte)rng.Next(256), bl = (byte)rng.Next(256);
                for (int y = y0; y < y0 + h; y++)
                    for (int x = x0; x < x0 + w; x++) { int k = (y * 64 + x) * 3; px[k] = r; px[k + 1] = g; px[k + 2] = bl; }
                if (anns.Length > 0) anns.Append(',');
                anns.Append($"{{\"id\":{annId++},\"image_id\":{i + 1},\"category_id\":{cat},\"bbox\":[{x0},{y0},{w},{h}],\"area\":{w * h},\"iscrowd\":0}}");
            }
            ImageIO.SavePng(img, Path.Combine(imageDir, $"{i + 1:D6}.png"));
            if (imgs.Length > 0) imgs.Append(',');
            imgs.Append($"{{\"id\":{i + 1},\"file_name\":\"{i + 1:D6}.png\",\"width\":64,\"height\":64}}");
        }
        var json = Path.Combine(root, "instances.json");
        File.WriteAllText(json, $"{{\"images\":[{imgs}],\"annotations\":[{anns}],\"categories\":[{{\"id\":1,\"name\":\"a\"}},{{\"id\":2,\"name\":\"b\"}},{{\"id\":3,\"name\":\"c\"}}]}}");
        return (json, imageDir);
    }

    static string? Arg(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        if (i < 0) return null;
        if (i + 1 >= args.Length) throw new ArgumentException($"{name} needs a value");
        return args[i + 1];
    }
}
