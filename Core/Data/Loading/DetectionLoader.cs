using Repro.Core.Data.Batching;

namespace Repro.Core.Data.Loading;

/// <summary>
/// Batches for training as an (infinite) stream over global steps: batch k is a pure function of (dataset, options,
/// transform, k) — sample indices from <see cref="EpochBatchSampler"/>, each sample passed through the transform with
/// its epoch, then collated. Batches are prepared ahead on background tasks (at most <c>workers</c> at a time, at most
/// <c>prefetch</c> queued) and handed out strictly in step order, so results do not depend on thread scheduling or on
/// the worker count, and resuming at step k (<see cref="Stream"/> or <see cref="BatchAt"/>) gives what streaming to k
/// would have. Tensors are created on the consuming thread.
/// </summary>
public sealed class DetectionLoader
{
    readonly ILabelledImageSet _dataset;
    readonly Func<LabelledImage, int, LabelledImage>? _transform;
    readonly BatchCollator _collator;

    /// <param name="dataset">Samples; <see cref="ILabelledImageSet.Get"/> must be thread-safe.</param>
    /// <param name="options">Batch size, seed, shuffling, collation.</param>
    /// <param name="transform">Per-sample transform (augmentation) given the epoch; must be a pure function of
    /// (sample, epoch) — e.g. seeded from image id and epoch — and thread-safe.</param>
    /// <param name="workers">Background tasks preparing batches (0 = prepare on the caller's thread).</param>
    /// <param name="prefetch">Batches prepared ahead (bounded queue); at least <paramref name="workers"/>.</param>
    public DetectionLoader(ILabelledImageSet dataset, LoaderOptions? options = null,
        Func<LabelledImage, int, LabelledImage>? transform = null, int workers = 2, int prefetch = 4)
    {
        _dataset = dataset ?? throw new ArgumentNullException(nameof(dataset));
        Options = options ?? new LoaderOptions();
        if (workers < 0) throw new ArgumentOutOfRangeException(nameof(workers), workers, "worker count must be non-negative");
        _transform = transform;
        _collator = new BatchCollator(Options.Collate);
        Sampler = new EpochBatchSampler(dataset.Count, Options.BatchSize, Options.Seed, Options.Shuffle, Options.DropLast);
        Workers = workers;
        Prefetch = Math.Max(prefetch, Math.Max(workers, 1));
    }

    public LoaderOptions Options { get; }
    public EpochBatchSampler Sampler { get; }
    public int Workers { get; }
    public int Prefetch { get; }
    public int BatchesPerEpoch => Sampler.BatchesPerEpoch;

    /// <summary>The batch of global step <paramref name="step"/> as arrays (computed on the calling thread).</summary>
    public CollatedBatch CollateAt(long step)
    {
        var (epoch, _) = Sampler.Locate(step);
        var indices = Sampler.Indices(step);
        var samples = new LabelledImage[indices.Length];
        for (int i = 0; i < indices.Length; i++)
        {
            var s = _dataset.Get(indices[i]);
            samples[i] = _transform == null ? s : _transform(s, epoch)
                ?? throw new InvalidOperationException($"transform returned null for sample {indices[i]} (image {s.ImageId})");
        }
        return _collator.Collate(samples, step, epoch);
    }

    /// <summary>The batch of global step <paramref name="step"/> as tensors, computed now on the calling thread.</summary>
    public DetectionBatch BatchAt(long step) => CollateAt(step).ToTensors();

    /// <summary>The batches of one epoch, in order, prefetched.</summary>
    public IEnumerable<DetectionBatch> Epoch(int epoch)
    {
        if (epoch < 0) throw new ArgumentOutOfRangeException(nameof(epoch), epoch, "epoch must be non-negative");
        long first = (long)epoch * BatchesPerEpoch;
        return Stream(first, first + BatchesPerEpoch);
    }

    /// <summary>Batches of steps startStep, startStep+1, … (endStep exclusive; null = endless), prefetched.</summary>
    public IEnumerable<DetectionBatch> Stream(long startStep = 0, long? endStep = null)
    {
        if (startStep < 0) throw new ArgumentOutOfRangeException(nameof(startStep), startStep, "step must be non-negative");
        foreach (var host in StreamCollated(startStep, endStep)) yield return host.ToTensors();
    }

    /// <summary>Like <see cref="Stream"/> but yields the array form (for consumers that make tensors themselves).</summary>
    public IEnumerable<CollatedBatch> StreamCollated(long startStep = 0, long? endStep = null)
    {
        if (Workers == 0)
        {
            for (long s = startStep; endStep == null || s < endStep; s++) yield return CollateAt(s);
            yield break;
        }
        using var cancel = new CancellationTokenSource();
        using var slots = new SemaphoreSlim(Workers, Workers);
        var pending = new Queue<Task<CollatedBatch>>();
        long next = startStep;
        try
        {
            while (true)
            {
                while (pending.Count < Prefetch && (endStep == null || next < endStep))
                {
                    long step = next++;
                    pending.Enqueue(Task.Run(async () =>
                    {
                        await slots.WaitAsync(cancel.Token).ConfigureAwait(false);
                        try { return CollateAt(step); }
                        finally { slots.Release(); }
                    }, cancel.Token));
                }
                if (pending.Count == 0) yield break;
                yield return pending.Dequeue().GetAwaiter().GetResult(); // in step order; rethrows a worker's exception
            }
        }
        finally
        {
            // The consumer stopped early (or a batch failed): let queued work stop and wait for running batches so
            // nothing touches the semaphore after it is disposed.
            cancel.Cancel();
            foreach (var t in pending)
                try { t.Wait(); } catch (AggregateException) { }
        }
    }
}
