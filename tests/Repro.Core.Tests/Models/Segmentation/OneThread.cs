using static TorchSharp.torch;

namespace Repro.Core.Tests.Models.Segmentation;

/// <summary>One libtorch intra-op thread for a test's scope, restored on dispose: the test machine is shared, and with
/// other jobs running two OpenMP threads spin-wait for each other (several times slower than one).</summary>
internal sealed class OneThread : IDisposable
{
    readonly int _before = get_num_threads();

    public OneThread() => set_num_threads(1);

    public void Dispose() => set_num_threads(_before);
}
