using Repro.Core.Augment.Geometry;
using Repro.Core.Data;
using Repro.Core.Data.Batching;
using Repro.Core.Models.Detection;
using static TorchSharp.torch;

namespace Repro.Core.Experiments;

/// <summary>
/// Runs a detector over a data set for evaluation or pseudo-labelling: each image is resized so its long side is the
/// detector's input size (padded to a square, no other augmentation) and passed through
/// <see cref="RetinaNet.Detect"/> (its post-processing: score threshold, top-k, class-wise NMS, max detections).
/// Detections stay in input pixels; divide by <see cref="Output.Scales"/> for the image's own coordinates.
/// Runs on the detector's device (<see cref="RetinaNet.Device"/>, which Detect moves each batch to); the detections
/// come back as host arrays.
/// </summary>
public static class DetectorInference
{
    /// <summary>Per image, in data-set order: its id, its detections (input pixels), the resize factor and its own size.</summary>
    public sealed record Output(IReadOnlyList<long> ImageIds, IReadOnlyList<ImageDetections> Detections, IReadOnlyList<double> Scales,
                                IReadOnlyList<ImageSize> Sizes);

    /// <param name="count">Only the first <paramref name="count"/> samples (null = all).</param>
    /// <param name="progress">Receives the number of images done after each batch.</param>
    public static Output Run(RetinaNet model, ILabelledImageSet dataset, int batchSize, int? count = null,
                             IProgress<int>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(dataset);
        if (batchSize <= 0) throw new ArgumentException($"batch size must be positive, got {batchSize}", nameof(batchSize));
        int n = Math.Min(count ?? dataset.Count, dataset.Count);
        if (n < 0) throw new ArgumentException($"count must be non-negative, got {count}", nameof(count));
        int size = model.Config.InputSize;
        var resize = new ScaleJitterCrop(size, 1, 1);
        var collator = new BatchCollator(new CollateOptions { FixedHeight = size, FixedWidth = size });
        var detections = new List<ImageDetections>(n);
        var scales = new List<double>(n);
        var ids = new List<long>(n);
        var sizes = new List<ImageSize>(n);
        bool wasTraining = model.training;
        model.eval();
        try
        {
            for (int start = 0; start < n; start += batchSize)
            {
                ct.ThrowIfCancellationRequested();
                var batch = new List<LabelledImage>();
                for (int i = start; i < Math.Min(start + batchSize, n); i++)
                {
                    var s = dataset.Get(i);
                    double r = (double)size / Math.Max(s.Image.Width, s.Image.Height);
                    batch.Add(resize.ApplyMap(s, new Affine2D(r, 0, 0, 0, r, 0)));
                    scales.Add(r);
                    ids.Add(s.ImageId);
                    sizes.Add(new ImageSize(s.Image.Height, s.Image.Width));
                }
                Native.GcPause.AtSafePoint();
                using var scope = NewDisposeScope();
                using var tensors = collator.Collate(batch).ToTensors();
                detections.AddRange(model.Detect(tensors.Images));
                progress?.Report(detections.Count);
            }
        }
        finally
        {
            Native.GcPause.End();
            model.train(wasTraining);
        }
        return new Output(ids, detections, scales, sizes);
    }
}
