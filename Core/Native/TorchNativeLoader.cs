using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Repro.Core.Native;

/// <summary>
/// Makes TorchSharp's native library load on systems whose libstdc++ is older than the one it was linked with.
///
/// TorchSharp 0.107's libLibTorchSharp.so requires GLIBCXX_3.4.32 (GCC 13) while Debian 12 ships up to 3.4.30.
/// The only symbol behind that version is <c>std::ios_base_library_init()</c>, a reference GCC 13's &lt;iostream&gt;
/// emits just to force linking against a new libstdc++; nothing calls it. When (and only when) the stock library
/// fails to load for that reason, we write a copy with that one version requirement marked weak (VER_FLG_WEAK) into
/// a per-user cache, load its dependencies from the stock location, and route TorchSharp's P/Invokes to the copy.
/// Where the system libstdc++ is new enough, the stock file is used untouched.
/// </summary>
public static class TorchNativeLoader
{
    const string LibName = "LibTorchSharp";
    const string LibFile = "libLibTorchSharp.so";
    /// <summary>Version requirements that may be weakened, with the only symbols allowed to depend on them.</summary>
    static readonly Dictionary<string, string[]> Weakenable = new()
    {
        ["GLIBCXX_3.4.32"] = new[] { "_ZSt21ios_base_library_initv" },
    };

    static readonly object Gate = new();
    static IntPtr _handle;
    static Exception? _failure;

    /// <summary>What the loader did, for `repro env` and logs. Null until <see cref="EnsureLoaded"/> ran.</summary>
    public static string? Report { get; private set; }

#pragma warning disable CA2255 // a library initializer on purpose: any use of Repro.Core routes TorchSharp through here
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void RegisterResolver()
    {
        if (!OperatingSystem.IsLinux()) return;
        try { NativeLibrary.SetDllImportResolver(typeof(TorchSharp.torch).Assembly, Resolve); }
        catch (InvalidOperationException) { /* someone else registered one; EnsureLoaded still preloads */ }
    }

    static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? path) =>
        name == LibName || name == LibFile ? EnsureLoaded() : IntPtr.Zero;

    /// <summary>Loads (patching if needed) libLibTorchSharp once per process; returns its handle. Idempotent.</summary>
    public static IntPtr EnsureLoaded()
    {
        if (!OperatingSystem.IsLinux()) return IntPtr.Zero; // other platforms load the stock libraries
        lock (Gate)
        {
            if (_handle != IntPtr.Zero) return _handle;
            if (_failure != null) throw _failure;
            try
            {
                _handle = Load();
                // Once libtorch (and its libc10) is loaded, before anything allocates through it.
                Report += $"; {ZeroFilledAllocations.Apply()}";
                return _handle;
            }
            catch (Exception e)
            {
                _failure = e as TorchNativeLoadException ?? new TorchNativeLoadException(e.Message, e);
                throw _failure;
            }
        }
    }

    static IntPtr Load()
    {
        // Before libtorch (and its libgomp) loads: the wait policy is read once, at that moment; malloc is tuned before
        // libtorch allocates.
        var waitPolicy = OpenMpWaitPolicy.Apply();
        var malloc = MallocRetention.Apply();
        var stock = FindStock();
        try
        {
            var h = NativeLibrary.Load(stock);
            Report = $"TorchSharp native: stock {stock}; {OpenMpWaitPolicy.Variable}={waitPolicy}; {malloc}";
            return h;
        }
        catch (DllNotFoundException e) when (e.Message.Contains("GLIBCXX_") || e.Message.Contains("CXXABI_"))
        {
            return LoadPatched(stock, e.Message, $"{waitPolicy}; {malloc}");
        }
        catch (DllNotFoundException e)
        {
            throw new TorchNativeLoadException(
                $"Cannot load TorchSharp's native library {stock}: {e.Message}. " +
                "Run `ldd` on that file to see which dependency is missing.", e);
        }
    }

    /// <param name="settings">The wait policy and malloc settings, for the report.</param>
    static IntPtr LoadPatched(string stock, string loaderError, string settings)
    {
        var image = File.ReadAllBytes(stock);
        var elf = new ElfVersionNeeds(image, stock);
        var missing = elf.Requirements.Where(r => loaderError.Contains($"`{r.Version}'") || loaderError.Contains($"'{r.Version}'")).ToList();
        var bad = missing.Where(r => !Weakenable.TryGetValue(r.Version, out var allowed)
                                     || elf.SymbolsOf(r).Any(s => !allowed.Contains(s))).ToList();
        if (missing.Count == 0 || bad.Count > 0)
            throw new TorchNativeLoadException(
                $"Cannot load TorchSharp's native library {stock}: {loaderError}\n" +
                $"The system libstdc++ is too old and the missing version(s) " +
                $"{string.Join(", ", (bad.Count > 0 ? bad : missing).Select(r => r.Version))} carry symbols that are really used, " +
                "so it cannot be patched safely. Install a libstdc++ from GCC 13 or newer (or use a newer distribution).");

        foreach (var r in missing) image = new ElfVersionNeeds(image, stock).WithWeak(
            new ElfVersionNeeds(image, stock).Requirements.First(x => x.Version == r.Version));

        var hash = Convert.ToHexString(SHA256.HashData(image))[..16].ToLowerInvariant();
        var dir = Path.Combine(CacheRoot(), "torchsharp-native", hash);
        var patched = Path.Combine(dir, LibFile);
        bool created = false;
        if (!File.Exists(patched) || new FileInfo(patched).Length != image.Length)
        {
            Directory.CreateDirectory(dir);
            var tmp = patched + $".{Environment.ProcessId}.tmp";
            File.WriteAllBytes(tmp, image);
            File.Move(tmp, patched, overwrite: true); // atomic: concurrent processes see a whole file or none
            created = true;
        }

        // The copy's RUNPATH ($ORIGIN) points at the cache, so load its torch dependencies from where the stock
        // file's siblings are; the dynamic loader then matches the copy's DT_NEEDED entries by soname.
        foreach (var dep in new[] { "libc10.so", "libtorch_cpu.so", "libtorch.so" })
        {
            var p = SearchDirectories(stock).Select(d => Path.Combine(d, dep)).FirstOrDefault(File.Exists);
            if (p != null) NativeLibrary.Load(p);
        }
        var handle = NativeLibrary.Load(patched);
        Report = $"TorchSharp native: system libstdc++ lacks {string.Join(", ", missing.Select(m => m.Version))}; " +
                 $"using {patched} (that requirement marked weak; its only symbol, std::ios_base_library_init, is never called); " +
                 $"{OpenMpWaitPolicy.Variable}={settings}";
        if (created) Console.Error.WriteLine($"[repro] {Report}");
        return handle;
    }

    static string CacheRoot()
    {
        var env = Environment.GetEnvironmentVariable("REPRO_CACHE");
        if (!string.IsNullOrEmpty(env)) return env;
        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return Path.Combine(!string.IsNullOrEmpty(xdg) ? xdg : Path.Combine(string.IsNullOrEmpty(home) ? Path.GetTempPath() : home, ".cache"), "repro");
    }

    static IEnumerable<string> SearchDirectories(string? first = null)
    {
        if (first != null) yield return Path.GetDirectoryName(first)!;
        if (AppContext.GetData("NATIVE_DLL_SEARCH_DIRECTORIES") is string dirs)
            foreach (var d in dirs.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)) yield return d;
        var baseDir = AppContext.BaseDirectory;
        yield return Path.Combine(baseDir, "runtimes", "linux-x64", "native");
        yield return baseDir;
        var torchDir = Path.GetDirectoryName(typeof(TorchSharp.torch).Assembly.Location);
        if (!string.IsNullOrEmpty(torchDir)) yield return torchDir;
    }

    static string FindStock() =>
        SearchDirectories().Select(d => Path.Combine(d, LibFile)).FirstOrDefault(File.Exists)
        ?? throw new TorchNativeLoadException(
            $"Cannot find {LibFile} next to the application or in its native search directories " +
            $"({string.Join(", ", SearchDirectories())}). Is the TorchSharp-cpu package restored?");
}

/// <summary>The TorchSharp native library could not be loaded; the message says why and what to do.</summary>
public sealed class TorchNativeLoadException(string message, Exception? inner = null) : Exception(message, inner);
