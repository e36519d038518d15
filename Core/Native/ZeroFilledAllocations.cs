using System.Runtime.InteropServices;

namespace Repro.Core.Native;

/// <summary>
/// Makes libtorch's CPU allocator hand out zeroed memory (c10's <c>caffe2_cpu_allocator_do_zero_fill</c> flag).
/// oneDNN 3.7's AVX-512 convolution kernels, as libtorch 2.10 calls them, read parts of freshly allocated buffers
/// before writing them and multiply what they find by zero: harmless while it is finite, but memory a previous step
/// freed can hold NaN or infinity (an int64 −1 is a NaN pattern), and 0 · NaN made whole gradients NaN at random steps
/// ("training diverged … grad_norm is NaN" at step 0 to ~200 on Augment-S4, 3 of 3 runs on an AMD EPYC). With
/// c10's junk fill (NaN patterns) every run diverges at step 0; with zero fill none does, and runs are bit-reproducible
/// again (without it, 5 runs of a 60-step training digest gave 4 different hashes; with it, 5 of 5 gave one).
/// It costs a memset per allocation (a few percent of a step). <c>REPRO_ZERO_FILL=0</c> turns it off, to see the defect.
/// </summary>
public static class ZeroFilledAllocations
{
    public const string Variable = "REPRO_ZERO_FILL";
    const string Flag = "FLAGS_caffe2_cpu_allocator_do_zero_fill";

    /// <summary>Sets the flag in the loaded libc10 (call once libtorch is loaded); returns what holds, for the loader's
    /// report. Idempotent.</summary>
    public static string Apply()
    {
        if (Environment.GetEnvironmentVariable(Variable) == "0") return $"allocations not zero-filled ({Variable}=0)";
        var (flag, why) = FlagAddress();
        if (flag == IntPtr.Zero) return $"allocations not zero-filled ({why})";
        Marshal.WriteByte(flag, 1);
        return "allocations zero-filled";
    }

    /// <summary>Whether libtorch's allocator zero-fills now (false where the flag cannot be found).</summary>
    public static bool Enabled()
    {
        var (flag, _) = FlagAddress();
        return flag != IntPtr.Zero && Marshal.ReadByte(flag) != 0;
    }

    /// <summary>The flag's address in the loaded libc10, or zero with the reason it cannot be had.</summary>
    static (IntPtr Address, string Why) FlagAddress()
    {
        var c10 = PlatformFingerprint.LoadedLibraryPath("libc10.so");
        if (c10 == null || !NativeLibrary.TryLoad(c10, out var handle)) return (IntPtr.Zero, "libc10.so not found among the loaded libraries");
        return NativeLibrary.TryGetExport(handle, Flag, out var flag) ? (flag, "") : (IntPtr.Zero, $"{Flag} not exported by {c10}");
    }
}
