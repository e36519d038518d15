namespace Repro.Core.Data.Loading;

/// <summary>
/// Which sample indices form the batch of global step k: epoch e = k / BatchesPerEpoch uses a permutation seeded from
/// (seed, e) (or the identity without shuffling), and the batch is the corresponding slice. A pure function of
/// (count, batch size, seed, step), so resuming at step k needs no state. Thread-safe.
/// </summary>
public sealed class EpochBatchSampler
{
    readonly object _gate = new();
    int _cachedEpoch = -1;
    int[]? _cachedOrder;

    public EpochBatchSampler(int count, int batchSize, int seed, bool shuffle = true, bool dropLast = true)
    {
        if (count <= 0) throw new ArgumentException($"dataset has {count} samples; need at least one", nameof(count));
        if (batchSize <= 0) throw new ArgumentException($"batch size {batchSize} must be positive", nameof(batchSize));
        if (dropLast && batchSize > count)
            throw new ArgumentException($"batch size {batchSize} exceeds the dataset's {count} samples with dropLast: an epoch would have no batch", nameof(batchSize));
        Count = count; BatchSize = batchSize; Seed = seed; Shuffle = shuffle; DropLast = dropLast;
        BatchesPerEpoch = dropLast ? count / batchSize : (count + batchSize - 1) / batchSize;
    }

    public int Count { get; }
    public int BatchSize { get; }
    public int Seed { get; }
    public bool Shuffle { get; }
    /// <summary>Drop the last, incomplete batch of each epoch (so every batch has the same size).</summary>
    public bool DropLast { get; }
    public int BatchesPerEpoch { get; }

    public (int Epoch, int BatchInEpoch) Locate(long step)
    {
        if (step < 0) throw new ArgumentOutOfRangeException(nameof(step), step, "step must be non-negative");
        return (checked((int)(step / BatchesPerEpoch)), (int)(step % BatchesPerEpoch));
    }

    /// <summary>The order in which epoch <paramref name="epoch"/> visits the samples.</summary>
    public int[] Order(int epoch)
    {
        if (epoch < 0) throw new ArgumentOutOfRangeException(nameof(epoch), epoch, "epoch must be non-negative");
        lock (_gate)
        {
            if (_cachedEpoch != epoch || _cachedOrder == null)
            {
                _cachedOrder = Shuffle ? SeededPermutation.Create(Count, SeededPermutation.Combine(Seed, epoch)) : Enumerable.Range(0, Count).ToArray();
                _cachedEpoch = epoch;
            }
            return (int[])_cachedOrder.Clone();
        }
    }

    /// <summary>Sample indices of the batch at global step <paramref name="step"/>.</summary>
    public int[] Indices(long step)
    {
        var (epoch, k) = Locate(step);
        var order = Order(epoch);
        int start = k * BatchSize, n = Math.Min(BatchSize, Count - start);
        return order.AsSpan(start, n).ToArray();
    }
}
