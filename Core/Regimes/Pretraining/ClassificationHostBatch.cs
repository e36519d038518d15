using Repro.Core.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace Repro.Core.Regimes.Pretraining;

/// <summary>
/// One classification batch as plain arrays (prepared off the training thread): the dataset indices of its images and
/// their normalised pixels, <see cref="Views"/> augmented views per image, view-major (view v of image i is row
/// v·B + i of the [Views·B, 3, S, S] tensor).
/// </summary>
public sealed class ClassificationHostBatch
{
    public required int[] Indices { get; init; }
    public required int Views { get; init; }
    public required int Size { get; init; }
    public required float[] Pixels { get; init; }
    public long Step { get; init; } = -1;
    public int Epoch { get; init; } = -1;

    public int BatchSize => Indices.Length;

    /// <summary>The images as a [Views·B, 3, S, S] float tensor on <paramref name="device"/> (null = CPU).</summary>
    public Tensor ImagesTensor(Device? device = null)
    {
        TorchNativeLoader.EnsureLoaded();
        var t = tensor(Pixels, new long[] { (long)Views * BatchSize, 3, Size, Size });
        if (device == null || device.type == DeviceType.CPU) return t;
        var moved = t.to(device);
        t.Dispose();
        return moved;
    }
}
