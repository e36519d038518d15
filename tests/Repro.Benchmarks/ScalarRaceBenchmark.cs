using System.Diagnostics;
using Repro.Core.Native;
using static TorchSharp.torch;

namespace Repro.Benchmarks;

/// <summary>
/// Demonstrates the TorchSharp 0.107 defect <see cref="GcPause"/> works around: `a + b` passes a temporary Scalar
/// (alpha = 1) to native code without keeping it alive, so a collection during the call can free it. Runs many
/// small additions while another thread allocates (forcing collections), first plainly, then with the additions in
/// GcPause regions renewed at safe points, and counts the native errors in each mode.
/// Usage: `scalar-race [seconds per mode, default 20]`.
/// </summary>
public sealed class ScalarRaceBenchmark : IBenchmark
{
    public string Name => "scalar-race";
    public string Description => "native Scalar errors per mode: plain vs GcPause (TorchSharp finalizer race)";

    public IReadOnlyDictionary<string, double> Run(string[] args)
    {
        double seconds = args.Length > 0 ? double.Parse(args[0]) : 20;
        return new Dictionary<string, double>
        {
            ["errors_plain"] = Count(seconds, pause: false),
            ["errors_with_gcpause"] = Count(seconds, pause: true),
        };
    }

    static int Count(double seconds, bool pause)
    {
        using var stop = new CancellationTokenSource();
        var churn = Task.Run(() =>
        {
            var junk = new List<byte[]>();
            while (!stop.IsCancellationRequested)
            {
                junk.Add(new byte[4096]);
                if (junk.Count > 2000) junk.Clear();
            }
        });
        int errors = 0;
        var a = ones(8); var b = ones(8);
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed.TotalSeconds < seconds)
        {
            if (pause) GcPause.AtSafePoint();
            using var scope = NewDisposeScope();
            for (int i = 0; i < 1000; i++)
            {
                try { _ = a + b; }
                catch (System.Runtime.InteropServices.ExternalException) { errors++; }
            }
        }
        if (pause) GcPause.End();
        stop.Cancel();
        churn.Wait();
        Console.WriteLine($"{(pause ? "with GcPause" : "plain")}: {errors} native errors in {seconds:0} s");
        return errors;
    }
}
