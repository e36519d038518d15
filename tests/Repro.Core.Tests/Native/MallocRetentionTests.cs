using System.Runtime.InteropServices;
using Repro.Core.Native;

namespace Repro.Core.Tests.Native;

/// <summary>Alone, so that no other test's thread allocates in the arena heap the fault count is measured on.</summary>
[CollectionDefinition(nameof(MallocRetentionTests), DisableParallelization = true)]
public sealed class MallocRetentionCollection;

[Collection(nameof(MallocRetentionTests))]
public class MallocRetentionTests
{
    [StructLayout(LayoutKind.Sequential)]
    struct RUsage
    {
        public long UserSec, UserMicro, SystemSec, SystemMicro;
        public long MaxRss, Ixrss, Idrss, Isrss, MinorFaults, MajorFaults, Nswap, Inblock, Oublock, Msgsnd, Msgrcv, Nsignals, Nvcsw, Nivcsw;
    }

    const int RUSAGE_THREAD = 1;

    [DllImport("libc", EntryPoint = "getrusage")]
    static extern int GetRUsage(int who, out RUsage usage);

    /// <summary>Minor page faults of the calling thread so far (other tests' threads do not count).</summary>
    static long ThreadMinorFaults() => GetRUsage(RUSAGE_THREAD, out var u) == 0 ? u.MinorFaults : throw new InvalidOperationException("getrusage failed");

    /// <summary>
    /// A step's pattern: 6 MiB in 1 MiB blocks malloc'ed, written, all freed, again and again, on a thread of its own.
    /// Under glibc's defaults such blocks are mmapped, or, once the threshold has adapted, taken from the heap whose
    /// freed top is trimmed at twice their size, so every round faults its 1,536 pages in anew; with the thresholds
    /// fixed, rounds after the first fault almost none. The blocks are small beside a thread arena's 64 MiB heap, so
    /// they fit the heap that other threads' allocations already share (a second heap would be unmapped when it empties).
    /// </summary>
    [Fact]
    public void Memory_freed_by_one_round_is_reused_without_page_faults_by_the_next()
    {
        if (!OperatingSystem.IsLinux() || MallocRetention.UserSetting(Environment.GetEnvironmentVariable) != null) return;
        Assert.StartsWith("malloc keeps freed memory", MallocRetention.Apply());
        const int blocks = 6, blockBytes = 1 << 20;
        var ones = Enumerable.Repeat((byte)1, blockBytes).ToArray();
        long Round()
        {
            long before = ThreadMinorFaults();
            var p = new IntPtr[blocks];
            for (int i = 0; i < blocks; i++)
            {
                p[i] = Marshal.AllocHGlobal(blockBytes);   // malloc
                Marshal.Copy(ones, 0, p[i], blockBytes);
            }
            for (int i = blocks - 1; i >= 0; i--) Marshal.FreeHGlobal(p[i]);
            return ThreadMinorFaults() - before;
        }
        long first = 0, later = 0;
        var thread = new Thread(() => { first = Round(); later = Round() + Round() + Round(); });
        thread.Start();
        thread.Join();
        Assert.True(later < 3 * blocks * (blockBytes / 4096) / 10, $"three later rounds faulted {later} pages (first round {first})");
    }

    [Theory]
    [InlineData("MALLOC_TRIM_THRESHOLD_", "1000000", "MALLOC_TRIM_THRESHOLD_")]
    [InlineData("MALLOC_MMAP_THRESHOLD_", "1000000", "MALLOC_MMAP_THRESHOLD_")]
    [InlineData("GLIBC_TUNABLES", "glibc.malloc.trim_threshold=1", "GLIBC_TUNABLES")]
    [InlineData("GLIBC_TUNABLES", "glibc.cpu.hwcaps=-AVX512F", null)]
    [InlineData("OMP_WAIT_POLICY", "ACTIVE", null)]
    public void A_malloc_setting_of_the_user_is_found(string variable, string value, string? expected)
    {
        string? Env(string name) => name == variable ? value : null;
        Assert.Equal(expected, MallocRetention.UserSetting(Env));
    }
}
