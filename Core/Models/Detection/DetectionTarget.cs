using Repro.Core.Data;
using static TorchSharp.torch;

namespace Repro.Core.Models.Detection;

/// <summary>
/// Ground truth of one image for <see cref="RetinaNet.Losses"/>: boxes [N,4] float32 (x1, y1, x2, y2 in input pixels)
/// and labels [N] int64 (contiguous class indices 0..C−1). N may be 0 (a background-only image).
/// </summary>
public sealed record DetectionTarget(Tensor Boxes, Tensor Labels)
{
    /// <summary>From plain arrays (boxes flattened xyxy, 4 per box).</summary>
    public static DetectionTarget FromArrays(float[] boxesXyxy, long[] labels)
    {
        if (boxesXyxy.Length != labels.Length * 4)
            throw new ArgumentException($"boxes has {boxesXyxy.Length} values, expected 4 × {labels.Length} labels", nameof(boxesXyxy));
        return new DetectionTarget(tensor(boxesXyxy, new long[] { labels.Length, 4 }), tensor(labels, new long[] { labels.Length }));
    }

    /// <summary>From the data layer's sample.</summary>
    public static DetectionTarget FromSample(LabelledImage sample)
    {
        if (sample.Boxes.Length != sample.Labels.Length)
            throw new ArgumentException($"sample {sample.ImageId}: {sample.Boxes.Length} boxes but {sample.Labels.Length} labels", nameof(sample));
        var b = new float[sample.Boxes.Length * 4];
        for (int i = 0; i < sample.Boxes.Length; i++)
        {
            var x = sample.Boxes[i];
            (b[4 * i], b[4 * i + 1], b[4 * i + 2], b[4 * i + 3]) = (x.X1, x.Y1, x.X2, x.Y2);
        }
        return FromArrays(b, sample.Labels.Select(l => (long)l).ToArray());
    }
}
