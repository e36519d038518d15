using Repro.Core.Data;
using Repro.Core.Data.Batching;
using Repro.Core.Data.Images;
using Repro.Core.Data.Loading;

namespace Repro.Core.Regimes.Pretraining;

/// <summary>
/// Deterministic classification batches over global steps, like <see cref="DetectionLoader"/>: the batch of step k is a
/// pure function of (dataset, batch size, seed, transform, k) — indices from an <see cref="EpochBatchSampler"/>
/// (shuffled per epoch, last partial batch dropped), each image passed through the view transform once per view with
/// its (epoch, index, view), then normalised with the detector's <see cref="ImageNormalization"/> so features transfer.
/// Batches are prepared ahead on background tasks and handed out in step order, so a resumed run sees the batches an
/// uninterrupted one would.
/// </summary>
public sealed class ClassificationLoader
{
    /// <summary>Makes view <paramref name="view"/> of dataset image <paramref name="index"/> in <paramref name="epoch"/>;
    /// must be a pure, thread-safe function of its arguments and return a Size × Size image.</summary>
    public delegate RgbImage ViewTransform(RgbImage image, int epoch, int index, int view);

    readonly ILabelledImageSet _images;
    readonly ViewTransform _transform;
    readonly float[][] _table;

    public ClassificationLoader(ILabelledImageSet images, int batchSize, int seed, int size, ViewTransform transform, int views = 1,
                                ImageNormalization? normalization = null, int workers = 1, int prefetch = 2)
    {
        _images = images ?? throw new ArgumentNullException(nameof(images));
        _transform = transform ?? throw new ArgumentNullException(nameof(transform));
        if (size <= 0) throw new ArgumentOutOfRangeException(nameof(size), size, "image size must be positive");
        if (views <= 0) throw new ArgumentOutOfRangeException(nameof(views), views, "views must be positive");
        if (workers < 0) throw new ArgumentOutOfRangeException(nameof(workers), workers, "worker count must be non-negative");
        Sampler = new EpochBatchSampler(images.Count, batchSize, seed, shuffle: true, dropLast: true);
        Size = size;
        Views = views;
        _table = (normalization ?? new ImageNormalization()).Table();
        Workers = workers;
        Prefetch = Math.Max(prefetch, Math.Max(workers, 1));
    }

    public EpochBatchSampler Sampler { get; }
    public int Size { get; }
    public int Views { get; }
    public int Workers { get; }
    public int Prefetch { get; }
    public int BatchSize => Sampler.BatchSize;

    /// <summary>The batch of global step <paramref name="step"/>, computed on the calling thread.</summary>
    public ClassificationHostBatch CollateAt(long step)
    {
        var (epoch, _) = Sampler.Locate(step);
        var indices = Sampler.Indices(step);
        int b = indices.Length, plane = Size * Size;
        var pixels = new float[checked(Views * b * 3 * plane)];
        for (int i = 0; i < b; i++)
        {
            var source = _images.Get(indices[i]).Image;
            for (int v = 0; v < Views; v++)
            {
                var view = _transform(source, epoch, indices[i], v);
                if (view.Width != Size || view.Height != Size)
                    throw new InvalidOperationException($"view transform returned a {view.Width}x{view.Height} image for index {indices[i]}, expected {Size}x{Size}");
                Fill(view, pixels.AsSpan((v * b + i) * 3 * plane, 3 * plane), _table);
            }
        }
        return new ClassificationHostBatch { Indices = indices, Views = Views, Size = Size, Pixels = pixels, Step = step, Epoch = epoch };
    }

    /// <summary>Writes one image as normalised CHW floats (planes of Width·Height values) into <paramref name="dst"/>.</summary>
    internal static void Fill(RgbImage image, Span<float> dst, float[][] table)
    {
        int plane = image.Width * image.Height;
        var px = image.Pixels;
        for (int p = 0, s = 0; p < plane; p++, s += 3)
        {
            dst[p] = table[0][px[s]];
            dst[plane + p] = table[1][px[s + 1]];
            dst[2 * plane + p] = table[2][px[s + 2]];
        }
    }

    /// <summary>Batches of steps <paramref name="startStep"/> … <paramref name="endStep"/> − 1, prefetched, in order.</summary>
    public IEnumerable<ClassificationHostBatch> Stream(long startStep, long endStep) =>
        OrderedPrefetch.Stream(CollateAt, startStep, endStep, Workers, Prefetch);
}
