using TorchSharp;
using static TorchSharp.torch;
using Repro.Core.Native;

namespace Repro.Core.Data.Batching;

/// <summary>
/// A batch as plain arrays, ready to become tensors: what the loader's background tasks produce, so tensors are
/// created on the consumer's thread (inside its dispose scope) with one copy-free call per array.
/// </summary>
public sealed class CollatedBatch
{
    public required int Height { get; init; }
    public required int Width { get; init; }
    /// <summary>[B, 3, H, W] normalised pixels, row-major.</summary>
    public required float[] Pixels { get; init; }
    /// <summary>Per image: N×4 boxes (x1, y1, x2, y2) in pixels, row-major.</summary>
    public required float[][] Boxes { get; init; }
    /// <summary>Per image: N class indices.</summary>
    public required long[][] Labels { get; init; }
    /// <summary>[B, H, W] class masks padded with 255, or null when the samples carry no masks.</summary>
    public long[]? Masks { get; init; }
    public required long[] ImageIds { get; init; }
    /// <summary>Each image's size before padding.</summary>
    public required ImageSize[] ImageSizes { get; init; }
    /// <summary>Global step (see <see cref="Loading.DetectionLoader"/>); −1 when collated outside a loader.</summary>
    public long Step { get; init; } = -1;
    public int Epoch { get; init; } = -1;

    public int BatchSize => ImageIds.Length;

    /// <summary>Creates the tensors (on the calling thread; register them in its dispose scope if one is open).</summary>
    public DetectionBatch ToTensors(Device? device = null)
    {
        TorchNativeLoader.EnsureLoaded();
        int b = BatchSize;
        Tensor Move(Tensor t) => device == null || device.type == DeviceType.CPU ? t : Moved(t, device);
        var images = Move(tensor(Pixels, new long[] { b, 3, Height, Width }));
        var boxes = Boxes.Select(x => Move(tensor(x, new long[] { x.Length / 4, 4 }))).ToArray();
        var labels = Labels.Select(x => Move(tensor(x, new long[] { x.Length }))).ToArray();
        var masks = Masks == null ? null : Move(tensor(Masks, new long[] { b, Height, Width }));
        return new DetectionBatch(images, boxes, labels, masks, ImageIds, ImageSizes, Step, Epoch);
    }

    static Tensor Moved(Tensor t, Device device)
    {
        var moved = t.to(device);
        t.Dispose();
        return moved;
    }
}

/// <summary>An image's height and width in pixels.</summary>
public readonly record struct ImageSize(int Height, int Width);
