using System.Runtime.InteropServices;

namespace Repro.Core.Native;

/// <summary>
/// Keeps the memory a training step frees mapped for the next step. By default glibc's malloc serves blocks above a
/// self-adjusting threshold (128 KiB up to 32 MiB) with fresh mmaps and hands the top of its heap back to the kernel
/// once more than twice that is free there. A step frees its activations and gradients together at its end and
/// allocates the same sizes again in the next, so each step faults its pages in anew and the kernel zeroes them:
/// ~2,000 minor faults per step of the miniature detector, with glibc's bin consolidation on top. Fixing both thresholds
/// (mmaps only above <see cref="MmapThreshold"/>, trimming only beyond <see cref="TrimThreshold"/> free) keeps those
/// pages; the process's resident memory stays at its high-water mark instead. This moves where memory lies, never a
/// computed value.
/// (Threads other than the main one allocate from arenas of 64 MiB heaps, which glibc unmaps whenever one empties, so
/// there only the first 64 MiB stay.) A malloc setting the user made (<c>MALLOC_*_</c> variables, <c>glibc.malloc</c> tunables) is kept.
/// </summary>
public static class MallocRetention
{
    /// <summary>Blocks this large and larger get their own mmap: glibc's largest allowed threshold on 64-bit.</summary>
    public const int MmapThreshold = 32 << 20;
    /// <summary>Free memory at the top of the heap beyond this goes back to the kernel.</summary>
    public const int TrimThreshold = 1 << 30;

    const int M_TRIM_THRESHOLD = -1, M_MMAP_THRESHOLD = -3;

    [DllImport("libc", EntryPoint = "mallopt")]
    static extern int MallOpt(int param, int value);

    /// <summary>Sets both thresholds unless the user chose malloc settings; returns what holds, for the loader's report.
    /// Idempotent.</summary>
    public static string Apply()
    {
        if (!OperatingSystem.IsLinux()) return "malloc defaults (not Linux)";
        var user = UserSetting(Environment.GetEnvironmentVariable);
        if (user != null) return $"malloc settings of the user kept ({user})";
        try
        {
            if (MallOpt(M_MMAP_THRESHOLD, MmapThreshold) != 1 || MallOpt(M_TRIM_THRESHOLD, TrimThreshold) != 1)
                return "malloc defaults (mallopt refused the thresholds)";
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException) { return "malloc defaults (no mallopt: not glibc)"; }
        return $"malloc keeps freed memory (mmap threshold {MmapThreshold >> 20} MiB, trim threshold {TrimThreshold >> 20} MiB)";
    }

    /// <summary>The first variable through which the user tuned glibc's malloc thresholds, or null.</summary>
    internal static string? UserSetting(Func<string, string?> environment)
    {
        foreach (var name in new[] { "MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TOP_PAD_", "MALLOC_MMAP_MAX_" })
            if (!string.IsNullOrEmpty(environment(name))) return name;
        var tunables = environment("GLIBC_TUNABLES");
        return tunables != null && tunables.Contains("glibc.malloc.") ? "GLIBC_TUNABLES" : null;
    }
}
