using Repro.Core.Data.Images;

namespace Repro.Core.Data.Batching;

/// <summary>Collates <see cref="LabelledImage"/>s into one <see cref="CollatedBatch"/> (arrays) or
/// <see cref="DetectionBatch"/> (tensors); see <see cref="CollateOptions"/> for padding and normalisation.</summary>
public sealed class BatchCollator
{
    readonly float[][] _table;

    public BatchCollator(CollateOptions? options = null)
    {
        Options = options ?? new CollateOptions();
        if (Options.SizeDivisor < 1) throw new ArgumentException($"SizeDivisor {Options.SizeDivisor} must be >= 1", nameof(options));
        if (Options.FixedHeight < 0 || Options.FixedWidth < 0)
            throw new ArgumentException($"fixed size {Options.FixedHeight}x{Options.FixedWidth} must be non-negative", nameof(options));
        _table = Options.Normalization.Table();
    }

    public CollateOptions Options { get; }

    /// <summary>Collates into tensors on the calling thread.</summary>
    public DetectionBatch CollateTensors(IReadOnlyList<LabelledImage> samples) => Collate(samples).ToTensors();

    /// <summary>Collates into plain arrays (no torch; safe on any thread).</summary>
    public CollatedBatch Collate(IReadOnlyList<LabelledImage> samples, long step = -1, int epoch = -1)
    {
        if (samples.Count == 0) throw new ArgumentException("cannot collate an empty batch", nameof(samples));
        bool masks = samples[0].Mask != null;
        int maxH = 0, maxW = 0;
        for (int i = 0; i < samples.Count; i++)
        {
            var s = samples[i];
            if ((s.Mask != null) != masks)
                throw new ArgumentException($"sample {i} (image {s.ImageId}) {(masks ? "lacks" : "has")} a mask while sample 0 does not agree; a batch is all masks or none", nameof(samples));
            if (s.Mask != null && s.Mask.Length != s.Image.Width * s.Image.Height)
                throw new ArgumentException($"sample {i} (image {s.ImageId}): mask has {s.Mask.Length} pixels, image {s.Image.Width}x{s.Image.Height}", nameof(samples));
            if (s.Boxes.Length != s.Labels.Length)
                throw new ArgumentException($"sample {i} (image {s.ImageId}): {s.Boxes.Length} boxes but {s.Labels.Length} labels", nameof(samples));
            maxH = Math.Max(maxH, s.Image.Height);
            maxW = Math.Max(maxW, s.Image.Width);
        }
        int h = RoundUp(Options.FixedHeight > 0 ? Options.FixedHeight : maxH);
        int w = RoundUp(Options.FixedWidth > 0 ? Options.FixedWidth : maxW);
        if (maxH > h || maxW > w)
            throw new ArgumentException($"an image of {maxH}x{maxW} (HxW) does not fit the fixed batch size {h}x{w}", nameof(samples));

        int b = samples.Count, plane = h * w;
        var pixels = new float[checked(b * 3 * plane)]; // padding stays 0 = the mean colour after normalisation
        long[]? maskData = masks ? new long[checked(b * plane)] : null;
        if (maskData != null) Array.Fill(maskData, LabelledImage.IgnoreLabel);
        var boxes = new float[b][];
        var labels = new long[b][];
        var sizes = new ImageSize[b];
        var ids = new long[b];
        for (int i = 0; i < b; i++)
        {
            var s = samples[i];
            FillImage(s.Image, pixels.AsSpan(i * 3 * plane, 3 * plane), h, w);
            if (maskData != null) FillMask(s.Mask!, s.Image.Width, s.Image.Height, maskData.AsSpan(i * plane, plane), w);
            boxes[i] = new float[s.Boxes.Length * 4];
            for (int k = 0; k < s.Boxes.Length; k++)
            {
                var box = s.Boxes[k];
                boxes[i][4 * k] = box.X1; boxes[i][4 * k + 1] = box.Y1; boxes[i][4 * k + 2] = box.X2; boxes[i][4 * k + 3] = box.Y2;
            }
            labels[i] = s.Labels.Select(l => (long)l).ToArray();
            sizes[i] = new ImageSize(s.Image.Height, s.Image.Width);
            ids[i] = s.ImageId;
        }
        return new CollatedBatch
        {
            Height = h, Width = w, Pixels = pixels, Boxes = boxes, Labels = labels, Masks = maskData, ImageIds = ids, ImageSizes = sizes,
            Step = step, Epoch = epoch,
        };
    }

    int RoundUp(int size) => (size + Options.SizeDivisor - 1) / Options.SizeDivisor * Options.SizeDivisor;

    void FillImage(RgbImage image, Span<float> dst, int h, int w)
    {
        int iw = image.Width, ih = image.Height, plane = h * w;
        var px = image.Pixels;
        float[] t0 = _table[0], t1 = _table[1], t2 = _table[2];
        for (int y = 0; y < ih; y++)
        {
            int src = y * iw * 3, row = y * w;
            for (int x = 0; x < iw; x++, src += 3)
            {
                dst[row + x] = t0[px[src]];
                dst[plane + row + x] = t1[px[src + 1]];
                dst[2 * plane + row + x] = t2[px[src + 2]];
            }
        }
    }

    static void FillMask(byte[] mask, int iw, int ih, Span<long> dst, int w)
    {
        for (int y = 0; y < ih; y++)
            for (int x = 0; x < iw; x++)
                dst[y * w + x] = mask[y * iw + x];
    }
}
