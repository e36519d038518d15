using System.Runtime.InteropServices;

namespace Repro.Core.Native;

/// <summary>
/// Makes libtorch's OpenMP threads sleep, not spin, between parallel regions. libgomp's default (active waiting)
/// burns a core per idle thread, so two processes sharing the cores — two sweep workers, a sweep beside a build —
/// slow each other several times over; passive waiting changes speed only, never a result. libgomp reads
/// <c>OMP_WAIT_POLICY</c> from the C environment once, when libtorch loads it, so this sets it there (.NET's
/// Environment.SetEnvironmentVariable reaches only managed code and child processes) before the first load. A value
/// the user set (or a <c>GOMP_SPINCOUNT</c>) is kept.
/// </summary>
public static class OpenMpWaitPolicy
{
    public const string Variable = "OMP_WAIT_POLICY";
    public const string Passive = "PASSIVE";
    /// <summary>libgomp's own knob for how long an idle thread spins before it sleeps (when no policy is set).</summary>
    public const string SpinCount = "GOMP_SPINCOUNT";

    [DllImport("libc", EntryPoint = "setenv", SetLastError = true)]
    static extern int SetEnv(string name, string value, int overwrite);

    [DllImport("libc", EntryPoint = "getenv")]
    static extern IntPtr GetEnv(string name);

    /// <summary>The policy libgomp will see: the user's, or PASSIVE where none is set. Idempotent; call before
    /// libtorch loads.</summary>
    public static string Apply()
    {
        if (!OperatingSystem.IsLinux())
            return Environment.GetEnvironmentVariable(Variable) ?? "unset";
        var current = Marshal.PtrToStringAnsi(GetEnv(Variable));
        if (!string.IsNullOrEmpty(current)) return current;
        // A spin count the user chose tunes the same waiting: keep it.
        var spin = Marshal.PtrToStringAnsi(GetEnv(SpinCount));
        if (!string.IsNullOrEmpty(spin)) return $"unset ({SpinCount}={spin})";
        if (SetEnv(Variable, Passive, 0) != 0)
            throw new InvalidOperationException($"setenv({Variable}) failed: errno {Marshal.GetLastPInvokeError()}");
        // Child processes (sweep workers, replays) inherit it from the managed environment.
        Environment.SetEnvironmentVariable(Variable, Passive);
        return Passive;
    }

    /// <summary>The value in the C environment now (what a libgomp loaded now would read), or null.</summary>
    public static string? Current() =>
        OperatingSystem.IsLinux() ? Marshal.PtrToStringAnsi(GetEnv(Variable)) : Environment.GetEnvironmentVariable(Variable);
}
