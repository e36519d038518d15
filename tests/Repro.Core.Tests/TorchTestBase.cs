using Repro.Core.Native;

namespace Repro.Core.Tests;

/// <summary>Base for tests that touch TorchSharp: loads the native library once (patching it where needed).</summary>
public abstract class TorchTestBase
{
    static TorchTestBase() => TorchNativeLoader.EnsureLoaded();
}
