using Repro.Core.Native;
using TorchSharp;

namespace Repro.Core.Tests.Native;

public class PlatformFingerprintTests
{
    [Fact]
    public void Reports_the_capability_ATen_dispatches_to_and_this_process_threads()
    {
        var fp = PlatformFingerprint.Current();
        // ATen's own answer, read from libtorch: one of the x86 capabilities it was built with.
        Assert.Contains(fp.AtenCapability, new[] { "DEFAULT", "AVX2", "AVX512" });
        var flags = File.ReadAllText("/proc/cpuinfo");
        if (!flags.Contains(" avx2")) Assert.Equal("DEFAULT", fp.AtenCapability);
        Assert.Equal(torch.get_num_threads(), fp.Threads);
        Assert.Equal(torch.__version__, fp.Libtorch);
        Assert.Contains(" (features ", fp.Cpu);
    }

    [Fact]
    public void Differences_name_each_field_that_differs()
    {
        var a = new PlatformFingerprint("2.10.0", "AVX2", "unset", "cpu (features 1)", 2, "linux-x64");
        Assert.Empty(a.DifferencesFrom(a with { }));
        var b = a with { AtenCapability = "DEFAULT", Threads = 1 };
        Assert.Equal(new[] { "aten: DEFAULT vs AVX2", "threads: 1 vs 2" }, b.DifferencesFrom(a));
        Assert.NotEqual(a.Key, b.Key);
    }
}
