namespace Repro.Core.Regimes.Pretraining;

/// <summary>
/// Computes items k = start … end − 1 of a pure function ahead of the consumer on background tasks (at most
/// <c>workers</c> at a time, at most <c>prefetch</c> queued) and yields them strictly in order, so the result does not
/// depend on scheduling. With no workers the items are computed on the consumer's thread.
/// </summary>
internal static class OrderedPrefetch
{
    public static IEnumerable<T> Stream<T>(Func<long, T> make, long start, long end, int workers, int prefetch)
    {
        if (start < 0) throw new ArgumentOutOfRangeException(nameof(start), start, "start must be non-negative");
        if (workers == 0)
        {
            for (long k = start; k < end; k++) yield return make(k);
            yield break;
        }
        using var cancel = new CancellationTokenSource();
        using var slots = new SemaphoreSlim(workers, workers);
        var pending = new Queue<Task<T>>();
        long next = start;
        try
        {
            while (true)
            {
                while (pending.Count < prefetch && next < end)
                {
                    long k = next++;
                    pending.Enqueue(Task.Run(async () =>
                    {
                        await slots.WaitAsync(cancel.Token).ConfigureAwait(false);
                        try { return make(k); }
                        finally { slots.Release(); }
                    }, cancel.Token));
                }
                if (pending.Count == 0) yield break;
                yield return pending.Dequeue().GetAwaiter().GetResult();
            }
        }
        finally
        {
            // Stopped early or failed: let queued work stop and wait for running items before the semaphore goes.
            cancel.Cancel();
            foreach (var t in pending)
                try { t.Wait(); } catch (AggregateException) { }
        }
    }
}
