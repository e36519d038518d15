using System.Diagnostics;
using Repro.Core.Models.Backbones;
using Repro.Core.Models.Segmentation;
using static TorchSharp.torch;

namespace Repro.Benchmarks;

/// <summary>
/// Training step time of the miniature segmentation model (random images and masks, plain SGD), split into
/// forward+loss, backward and update. Args: [--steps N (30)] [--warmup N (5)] [--batch N (16)] [--size N (64)]
/// [--backbone resnet|efficientnet] [--stride 4|8] [--channels N (64)] [--threads N (libtorch default)].
/// </summary>
public sealed class SegmentationTrainBenchmark : IBenchmark
{
    public string Name => "segmentation-train";
    public string Description => "miniature segmentation model training ms/step (forward, backward, update)";

    public IReadOnlyDictionary<string, double> Run(string[] args)
    {
        int steps = Arg(args, "--steps", 30), warmup = Arg(args, "--warmup", 5), batch = Arg(args, "--batch", 16), size = Arg(args, "--size", 64);
        int threads = Arg(args, "--threads", 0);
        if (threads > 0) set_num_threads(threads);
        var config = new SegmentationModelConfig
        {
            Backbone = Str(args, "--backbone", "resnet") == "efficientnet" ? BackboneConfig.EfficientNetMini : BackboneConfig.ResNetMini,
            OutputStride = Arg(args, "--stride", 4), DecoderChannels = Arg(args, "--channels", 64), InputSize = size,
        };
        manual_seed(0);
        using var model = new SegmentationModel(config);
        long parameters = model.parameters().Sum(p => p.numel());
        var images = randn(batch, 3, size, size);
        var masks = randint(0, config.NumClasses, new long[] { batch, size, size });
        var opt = optim.SGD(model.parameters(), 0.01, momentum: 0.9);
        model.train();
        double fwd = 0, bwd = 0, upd = 0;
        var sw = new Stopwatch();
        for (int step = 0; step < warmup + steps; step++)
        {
            if (step == warmup) fwd = bwd = upd = 0;
            Repro.Core.Native.GcPause.AtSafePoint();
            using var scope = NewDisposeScope();
            sw.Restart();
            opt.zero_grad();
            var loss = model.Losses(images, masks)["loss"];
            double t0 = sw.Elapsed.TotalMilliseconds;
            loss.backward();
            double t1 = sw.Elapsed.TotalMilliseconds;
            opt.step();
            double t2 = sw.Elapsed.TotalMilliseconds;
            (fwd, bwd, upd) = (fwd + t0, bwd + t1 - t0, upd + t2 - t1);
        }
        Repro.Core.Native.GcPause.End();
        double ms = (fwd + bwd + upd) / steps;
        Console.WriteLine($"segmentation-train: {config.Backbone.Name}, stride {config.OutputStride}, {config.DecoderChannels} decoder channels, {parameters:N0} parameters, batch {batch} of {size}², {get_num_threads()} threads");
        Console.WriteLine($"  {ms:F1} ms/step (forward+loss {fwd / steps:F1}, backward {bwd / steps:F1}, SGD {upd / steps:F1}), {batch * 1000 / ms:F0} images/s");
        return new Dictionary<string, double> { ["ms_per_step"] = ms, ["forward_ms"] = fwd / steps, ["backward_ms"] = bwd / steps, ["parameters"] = parameters };
    }

    static int Arg(string[] args, string name, int dflt) { int i = Array.IndexOf(args, name); return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1]) : dflt; }
    static string Str(string[] args, string name, string dflt) { int i = Array.IndexOf(args, name); return i >= 0 && i + 1 < args.Length ? args[i + 1] : dflt; }
}
