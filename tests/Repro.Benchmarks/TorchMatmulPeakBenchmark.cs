using System.Diagnostics;
using static TorchSharp.torch;

namespace Repro.Benchmarks;

/// <summary>Plain libtorch float32 matmul throughput: the CPU's practical peak that model FLOP/s are compared with.</summary>
public sealed class TorchMatmulPeakBenchmark : IBenchmark
{
    public string Name => "matmul";
    public string Description => "float32 matmul GFLOP/s (libtorch peak on this machine)";

    public IReadOnlyDictionary<string, double> Run(string[] args) => new Dictionary<string, double> { ["gflops"] = Measure() };

    public static double Measure(int n = 1024, int reps = 20)
    {
        using var scope = NewDisposeScope();
        var a = randn(n, n); var b = randn(n, n);
        for (int i = 0; i < 3; i++) mm(a, b).Dispose();
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < reps; i++) mm(a, b).Dispose();
        return 2.0 * n * n * n * reps / sw.Elapsed.TotalSeconds / 1e9;
    }
}
