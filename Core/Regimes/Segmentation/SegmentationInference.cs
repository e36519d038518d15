using Repro.Core.Augment.Geometry;
using Repro.Core.Data;
using Repro.Core.Data.Batching;
using Repro.Core.Models.Segmentation;
using Repro.Core.Native;
using static TorchSharp.torch;

namespace Repro.Core.Regimes.Segmentation;

/// <summary>
/// Full-resolution class probabilities of a segmentation model over a data set, as evaluation and pseudo-labelling
/// need them: each image is resized so its long side is the model's input size (the scale training crops come from),
/// padded bottom/right to the square canvas, and run in batches (eval mode, no gradient); the logits of the image's
/// own region are then resized bilinearly to the image's original size and soft-maxed.
/// </summary>
public static class SegmentationInference
{
    /// <summary>
    /// Calls <paramref name="onImage"/>(index, sample, probabilities [C, H, W] float on the CPU) for every image, in
    /// index order, on the calling thread. The tensor is freed after the call returns: copy out what you need.
    /// </summary>
    public static void Run(SegmentationModel model, ILabelledImageSet dataset, int batchSize,
                           Action<int, LabelledImage, Tensor> onImage, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(onImage);
        if (batchSize < 1) throw new ArgumentException($"batch size must be positive, got {batchSize}", nameof(batchSize));
        int size = model.Config.InputSize;
        var resize = new ScaleJitterCrop(size, 1, 1);
        var collator = new BatchCollator(new CollateOptions { FixedHeight = size, FixedWidth = size });
        bool wasTraining = model.training;
        model.eval();
        try
        {
            for (int start = 0; start < dataset.Count; start += batchSize)
            {
                ct.ThrowIfCancellationRequested();
                int n = Math.Min(batchSize, dataset.Count - start);
                var originals = new LabelledImage[n];
                var resized = new LabelledImage[n];
                var scales = new double[n];
                for (int i = 0; i < n; i++)
                {
                    var s = dataset.Get(start + i);
                    originals[i] = s;
                    scales[i] = (double)size / Math.Max(s.Image.Width, s.Image.Height);
                    resized[i] = resize.ApplyMap(new LabelledImage { ImageId = s.ImageId, Image = s.Image },
                                                 new Affine2D(scales[i], 0, 0, 0, scales[i], 0));
                }
                GcPause.AtSafePoint();
                using var scope = NewDisposeScope();
                using var noGrad = no_grad();
                var images = tensor(collator.Collate(resized).Pixels, new long[] { n, 3, size, size });
                var logits = model.call(images);
                for (int i = 0; i < n; i++)
                {
                    using var imageScope = NewDisposeScope();
                    var probs = FullResolution(logits[i], originals[i].Image.Height, originals[i].Image.Width, scales[i]);
                    onImage(start + i, originals[i], probs);
                }
            }
        }
        finally
        {
            GcPause.End();
            model.train(wasTraining);
        }
    }

    /// <summary>
    /// Probabilities [C, height, width] on the CPU from canvas logits [C, S, S] of an image scaled by
    /// <paramref name="scale"/>: the image's region (⌈height·scale⌉ × ⌈width·scale⌉, top-left) resized to its size.
    /// </summary>
    public static Tensor FullResolution(Tensor canvasLogits, int height, int width, double scale)
    {
        long s = canvasLogits.shape[1];
        long h = Math.Min(s, (long)Math.Ceiling(height * scale - 1e-9));
        long w = Math.Min(s, (long)Math.Ceiling(width * scale - 1e-9));
        var region = canvasLogits[.., ..(int)h, ..(int)w].unsqueeze(0);
        if (h != height || w != width)
            region = nn.functional.interpolate(region, size: new long[] { height, width }, mode: InterpolationMode.Bilinear, align_corners: false);
        return nn.functional.softmax(region[0], 0).cpu();
    }
}
