using Repro.Core.Native;

namespace Repro.Core.Tests.Native;

public class ElfVersionNeedsTests
{
    static string StockLibrary()
    {
        var dir = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native");
        return Path.Combine(dir, "libLibTorchSharp.so");
    }

    [Fact]
    public void Reads_the_libstdcxx_requirements_of_the_stock_library()
    {
        var elf = new ElfVersionNeeds(File.ReadAllBytes(StockLibrary()), "stock");
        var req = Assert.Single(elf.Requirements, r => r.Version == "GLIBCXX_3.4.32");
        Assert.Equal("libstdc++.so.6", req.File);
        Assert.False(req.IsWeak);
        // The only symbol bound to the new version is the linking guard nobody calls (see TorchNativeLoader).
        Assert.Equal(new[] { "_ZSt21ios_base_library_initv" }, elf.SymbolsOf(req));
        Assert.Contains(elf.Requirements, r => r.File == "libc.so.6" && r.Version == "GLIBC_2.2.5");
    }

    [Fact]
    public void Weakening_changes_exactly_one_flag_word()
    {
        var image = File.ReadAllBytes(StockLibrary());
        var elf = new ElfVersionNeeds(image, "stock");
        var patched = elf.WithWeak(elf.Requirements.First(r => r.Version == "GLIBCXX_3.4.32"));
        var diff = Enumerable.Range(0, image.Length).Where(i => image[i] != patched[i]).ToArray();
        Assert.Single(diff);
        var again = new ElfVersionNeeds(patched, "patched");
        Assert.True(again.Requirements.Single(r => r.Version == "GLIBCXX_3.4.32").IsWeak);
        Assert.All(again.Requirements.Where(r => r.Version != "GLIBCXX_3.4.32"), r => Assert.False(r.IsWeak));
    }

    [Fact]
    public void Rejects_a_file_that_is_not_elf()
    {
        var e = Assert.Throws<InvalidDataException>(() => new ElfVersionNeeds(new byte[100], "junk.so"));
        Assert.Contains("junk.so", e.Message);
    }
}
