using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using Repro.Core.Native;

namespace Repro.Benchmarks;

/// <summary>
/// Training speed when another process of the same size shares the cores, under each OpenMP wait policy: the
/// `detector-train` step timed alone, then beside a competitor running the same loop, both in child processes with
/// <c>OMP_WAIT_POLICY</c> set. Two equal processes on the same cores should each run at about half speed (a
/// slowdown of ~2×, the fair share); spinning idle threads make it far worse. Args: [--steps N (60)] [--threads N
/// (cores)] [--policies PASSIVE,ACTIVE,spin:300000] — spin:N leaves the policy unset with GOMP_SPINCOUNT=N
/// (300000 is libgomp's own default when nothing is set).
/// </summary>
public sealed class SharingBenchmark : IBenchmark
{
    public string Name => "sharing";
    public string Description => "ms/step alone vs beside an equal competitor, per OpenMP wait policy (fair share ~2x)";

    public IReadOnlyDictionary<string, double> Run(string[] args)
    {
        int steps = BenchmarkArgs.Int(args, "--steps", 60, min: 1), threads = BenchmarkArgs.Int(args, "--threads", Environment.ProcessorCount, min: 1);
        var policies = BenchmarkArgs.String(args, "--policies", "PASSIVE,spin:300000,ACTIVE").Split(',', StringSplitOptions.RemoveEmptyEntries);
        var results = new Dictionary<string, double>();
        Console.WriteLine($"sharing: detector-train, {steps} steps at {threads} thread(s), {Environment.ProcessorCount} cores; competitor: the same loop");
        foreach (var policy in policies)
        {
            double alone = Measure(policy, steps, threads, competitor: false);
            double shared = Measure(policy, steps, threads, competitor: true);
            var key = policy.ToLowerInvariant().Replace(':', '_');
            results[$"{key}_alone_ms_per_step"] = alone;
            results[$"{key}_shared_ms_per_step"] = shared;
            results[$"{key}_slowdown"] = shared / alone;
            Console.WriteLine($"  {policy,-12} alone {alone,7:F1} ms/step   shared {shared,7:F1} ms/step   slowdown {shared / alone:F2}x (fair share ~2x)");
        }
        return results;
    }

    /// <summary>ms/step of a `detector-train` child, optionally beside a competitor child started first.</summary>
    static double Measure(string policy, int steps, int threads, bool competitor)
    {
        Process? rival = null;
        if (competitor)
        {
            rival = Start(policy, ["detector-train", "--steps", "1000000", "--warmup", "0", "--threads", threads.ToString()]);
            Thread.Sleep(3000); // past its start-up, into its training loop
        }
        var json = Path.Combine(Path.GetTempPath(), $"repro-sharing-{Guid.NewGuid():N}.json");
        try
        {
            using var p = Start(policy, ["detector-train", "--steps", steps.ToString(), "--warmup", "5", "--threads", threads.ToString(), "--json", json]);
            p.WaitForExit();
            if (p.ExitCode != 0) throw new InvalidOperationException($"detector-train child exited {p.ExitCode}");
            using var doc = JsonDocument.Parse(File.ReadAllText(json));
            return doc.RootElement.GetProperty("results").GetProperty("ms_per_step").GetDouble();
        }
        finally
        {
            if (rival != null)
            {
                try { rival.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
                rival.WaitForExit();
                rival.Dispose();
            }
            File.Delete(json);
        }
    }

    /// <summary>This benchmark program again, as a child with the wait policy set; its output is discarded.</summary>
    static Process Start(string policy, string[] args)
    {
        var exe = Environment.ProcessPath!;
        var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (Path.GetFileNameWithoutExtension(exe) == "dotnet") psi.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (policy.StartsWith("spin:"))
        {
            psi.Environment.Remove(OpenMpWaitPolicy.Variable);
            psi.Environment[OpenMpWaitPolicy.SpinCount] = policy["spin:".Length..];
        }
        else
        {
            psi.Environment.Remove(OpenMpWaitPolicy.SpinCount);
            psi.Environment[OpenMpWaitPolicy.Variable] = policy;
        }
        var p = Process.Start(psi)!;
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, _) => { };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }
}
