using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json;
using Repro.Core.Native;

namespace Repro.Benchmarks;

/// <summary>
/// A Python that can import torch, and the PyTorch peer scripts (peer/*.py, copied next to the benchmarks) run with it.
/// Each script prints its result as one JSON line, its last line of output.
/// </summary>
sealed class PeerPython
{
    public const string Variable = "REPRO_PYTHON";

    public const string InstallHint =
        $"no Python with PyTorch found (tried ${Variable}, /usr/bin/python3, python3 on PATH). On Debian 12, " +
        $"`sudo apt-get install python3-torch` gives PyTorch 1.13.1 at /usr/bin/python3; or set {Variable} to a Python that can `import torch`.";

    PeerPython(string executable) => Executable = executable;

    public string Executable { get; }

    /// <summary>The first of ${REPRO_PYTHON}, /usr/bin/python3, python3 on PATH that imports torch; null if none does.</summary>
    public static PeerPython? Find()
    {
        foreach (var candidate in new[] { Environment.GetEnvironmentVariable(Variable), "/usr/bin/python3", "python3" })
            if (!string.IsNullOrEmpty(candidate) && ImportsTorch(candidate)) return new PeerPython(candidate);
        return null;
    }

    static bool ImportsTorch(string python) => Imports(python, "torch");

    /// <summary>Whether this Python can import <paramref name="module"/> (a peer may need more than torch).</summary>
    public bool Imports(string module) => Imports(Executable, module);

    static bool Imports(string python, string module)
    {
        try { return Run(python, ["-c", $"import {module}"]).ExitCode == 0; }
        catch (Win32Exception) { return false; }   // no such executable
    }

    /// <summary>The JSON line that peer/<paramref name="script"/> prints when run with <paramref name="args"/>.</summary>
    public JsonElement RunScript(string script, IEnumerable<string> args)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "peer", script);
        if (!File.Exists(path)) throw new FileNotFoundException("peer script missing from the benchmarks' output folder (see Repro.Benchmarks.csproj)", path);
        var (exitCode, stdout, stderr) = Run(Executable, [path, .. args]);
        if (exitCode != 0) throw new InvalidOperationException($"{Executable} {script} exited {exitCode}: {stderr.Trim()}");
        var last = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault()
                   ?? throw new InvalidOperationException($"{Executable} {script} printed nothing");
        using var doc = JsonDocument.Parse(last);
        return doc.RootElement.Clone();
    }

    static (int ExitCode, string Stdout, string Stderr) Run(string executable, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        // The child's libgomp reads the wait policy once, when torch loads: give it the one this process's libtorch runs
        // under (PASSIVE unless the user chose otherwise; a GOMP_SPINCOUNT of the user's is inherited as it is).
        var policy = OpenMpWaitPolicy.Current();
        if (policy != null) psi.Environment[OpenMpWaitPolicy.Variable] = policy;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}
