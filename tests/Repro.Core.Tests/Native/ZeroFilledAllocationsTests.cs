using Repro.Core.Native;
using static TorchSharp.torch;

namespace Repro.Core.Tests.Native;

public class ZeroFilledAllocationsTests : TorchTestBase
{
    /// <summary>
    /// The defect's own conditions: memory a tensor filled with NaN is freed and handed out again (glibc reuses the
    /// freed chunk of the same size). An uninitialised tensor must still read as zeros, or a kernel that reads before
    /// it writes sees the NaN.
    /// </summary>
    [Fact]
    public void Memory_a_freed_tensor_filled_with_NaN_comes_back_zeroed()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable(ZeroFilledAllocations.Variable) == "0") return;
        TorchNativeLoader.EnsureLoaded();
        Assert.True(ZeroFilledAllocations.Enabled(), TorchNativeLoader.Report);
        Assert.Contains("allocations zero-filled", TorchNativeLoader.Report);
        const long n = 1 << 18;   // 1 MiB: a heap chunk under the retained mmap threshold, as a step's buffers are
        for (int round = 0; round < 5; round++)
        {
            var poisoned = full(n, float.NaN);
            // Allocated after it, so the poisoned chunk is freed into a bin for reuse, not merged into the heap's top.
            using var pin = zeros(1 << 12);
            Assert.True(poisoned.isnan().all().item<bool>());
            poisoned.Dispose();
            using var fresh = empty(n);
            Assert.Equal(0L, fresh.count_nonzero().item<long>());
        }
    }
}
