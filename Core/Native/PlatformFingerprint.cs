using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace Repro.Core.Native;

/// <summary>
/// What decides a run's floating-point rounding besides its config and seed: the libtorch build, the CPU kernels ATen
/// and oneDNN dispatch to (chosen from the CPU and capped by environment variables), the thread count and the OS.
/// Two processes with equal fingerprints compute bit-identical runs; across fingerprints a long run diverges like a new
/// seed. Golden checks compare bit for bit only where the fingerprints match.
/// </summary>
/// <param name="Libtorch">libtorch's version (<c>torch.__version__</c>).</param>
/// <param name="AtenCapability">The vector ISA ATen's kernels actually use (<c>at::get_cpu_capability()</c>: DEFAULT,
/// AVX2, AVX512…), after <c>ATEN_CPU_CAPABILITY</c> and what the CPU supports.</param>
/// <param name="OneDnnIsaCap">The cap on oneDNN's ISA (<c>ONEDNN_MAX_CPU_ISA</c> / <c>DNNL_MAX_CPU_ISA</c>), "unset" when none:
/// oneDNN's effective ISA is the lesser of it and the CPU's, and the CPU is in <paramref name="Cpu"/>.</param>
/// <param name="Cpu">CPU model and a digest of its feature flags: MKL and oneDNN pick kernels by them.</param>
/// <param name="Threads">libtorch's intra-op threads: reductions split differently with another count.</param>
/// <param name="Os">Runtime identifier (OS and architecture).</param>
public sealed record PlatformFingerprint(string Libtorch, string AtenCapability, string OneDnnIsaCap, string Cpu, int Threads, string Os)
{
    /// <summary>Environment variables that cap or pin CPU kernels; their values are part of <see cref="OneDnnIsaCap"/>
    /// or of <see cref="Cpu"/>'s digest when set.</summary>
    static readonly string[] KernelVariables = { "MKL_ENABLE_INSTRUCTIONS", "MKL_CBWR", "MKL_DEBUG_CPU_TYPE" };

    /// <summary>One line that is equal exactly when the fingerprints are.</summary>
    public string Key => $"libtorch={Libtorch}; aten={AtenCapability}; onednn-cap={OneDnnIsaCap}; cpu={Cpu}; threads={Threads}; os={Os}";

    /// <summary>The fields that differ from <paramref name="other"/>, as "name: this vs other" (empty when equal).</summary>
    public IReadOnlyList<string> DifferencesFrom(PlatformFingerprint other)
    {
        var d = new List<string>();
        void Cmp(string name, object a, object b) { if (!Equals(a, b)) d.Add($"{name}: {a} vs {b}"); }
        Cmp("libtorch", Libtorch, other.Libtorch);
        Cmp("aten", AtenCapability, other.AtenCapability);
        Cmp("onednn-cap", OneDnnIsaCap, other.OneDnnIsaCap);
        Cmp("cpu", Cpu, other.Cpu);
        Cmp("threads", Threads, other.Threads);
        Cmp("os", Os, other.Os);
        return d;
    }

    /// <summary>This process's fingerprint (loads TorchSharp's natives if needed). Threads are read now, so take it
    /// after the run has set its thread count.</summary>
    public static PlatformFingerprint Current()
    {
        TorchNativeLoader.EnsureLoaded();
        var cap = Environment.GetEnvironmentVariable("ONEDNN_MAX_CPU_ISA") ?? Environment.GetEnvironmentVariable("DNNL_MAX_CPU_ISA");
        return new PlatformFingerprint(
            TorchSharp.torch.__version__,
            ReadAtenCapability(),
            string.IsNullOrEmpty(cap) ? "unset" : cap.ToUpperInvariant(),
            CpuDescription(),
            TorchSharp.torch.get_num_threads(),
            RuntimeInformation.RuntimeIdentifier);
    }

    static string? _aten;

    /// <summary>ATen's dispatch capability, from libtorch itself: what runs depends on the CPU as well as on
    /// <c>ATEN_CPU_CAPABILITY</c>, so the variable alone does not say.</summary>
    static string ReadAtenCapability()
    {
        if (_aten != null) return _aten;
        _aten = "unknown";
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64) return _aten;
        var lib = LoadedLibraryPath("libtorch_cpu.so");
        if (lib == null || !NativeLibrary.TryLoad(lib, out var handle)) return _aten;
        // std::string at::get_cpu_capability(): returned through a caller-provided slot (x86-64 SysV, libstdc++'s
        // 32-byte string: data pointer, length, 16-byte inline buffer). The short names fit the inline buffer.
        if (!NativeLibrary.TryGetExport(handle, "_ZN2at18get_cpu_capabilityB5cxx11Ev", out var fn)) return _aten;
        var slot = Marshal.AllocHGlobal(32);
        try
        {
            unsafe { ((delegate* unmanaged<IntPtr, IntPtr>)fn)(slot); }
            var data = Marshal.ReadIntPtr(slot);
            var length = Marshal.ReadInt64(slot, 8);
            if (length is > 0 and < 64) _aten = Marshal.PtrToStringUTF8(data, (int)length);
        }
        finally { Marshal.FreeHGlobal(slot); }
        return _aten;
    }

    /// <summary>The path of a shared library this process has loaded, from /proc/self/maps.</summary>
    internal static string? LoadedLibraryPath(string fileName)
    {
        try
        {
            return File.ReadLines("/proc/self/maps")
                .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                .Where(p => p.Length >= 6)
                .Select(p => string.Join(' ', p.Skip(5)))
                .FirstOrDefault(path => Path.GetFileName(path) == fileName);
        }
        catch (IOException) { return null; }
    }

    static string CpuDescription()
    {
        string model = "unknown", flags = "";
        try
        {
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
            {
                var colon = line.IndexOf(':');
                if (colon < 0) continue;
                var key = line[..colon].Trim();
                if (key == "model name" && model == "unknown") model = line[(colon + 1)..].Trim();
                else if (key == "flags" && flags == "") flags = line[(colon + 1)..].Trim();
                if (model != "unknown" && flags != "") break;
            }
        }
        catch (IOException) { model = RuntimeInformation.ProcessArchitecture.ToString(); }
        var pinned = string.Join(",", KernelVariables.Select(v => (v, Environment.GetEnvironmentVariable(v)))
                                                     .Where(x => !string.IsNullOrEmpty(x.Item2)).Select(x => $"{x.v}={x.Item2}"));
        var digest = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(flags + "|" + pinned)))[..12].ToLowerInvariant();
        return $"{model} (features {digest})";
    }
}
