using static TorchSharp.torch;

namespace Repro.Core.Data.Batching;

/// <summary>
/// A training batch as tensors: images [B,3,H,W] float32 (normalised, zero-padded bottom/right), per-image boxes
/// [N,4] float32 (x1,y1,x2,y2 pixels) and labels [N] int64, optional masks [B,H,W] int64 (255 = ignore/padding).
/// Dispose it (or create it inside a dispose scope) when done.
/// </summary>
public sealed class DetectionBatch(Tensor images, Tensor[] boxes, Tensor[] labels, Tensor? masks, long[] imageIds,
    ImageSize[] imageSizes, long step, int epoch) : IDisposable
{
    public Tensor Images { get; } = images;
    public IReadOnlyList<Tensor> Boxes { get; } = boxes;
    public IReadOnlyList<Tensor> Labels { get; } = labels;
    public Tensor? Masks { get; } = masks;
    public IReadOnlyList<long> ImageIds { get; } = imageIds;
    public IReadOnlyList<ImageSize> ImageSizes { get; } = imageSizes;
    /// <summary>Global step of this batch in the loader's stream; −1 outside a loader.</summary>
    public long Step { get; } = step;
    public int Epoch { get; } = epoch;
    public int BatchSize => imageIds.Length;

    public void Dispose()
    {
        Images.Dispose();
        foreach (var t in boxes) t.Dispose();
        foreach (var t in labels) t.Dispose();
        Masks?.Dispose();
    }
}
