namespace Repro.Core.Data.Miniature;

/// <summary>Runs independent items on all cores. Output cannot depend on scheduling: each item owns its RNG and
/// writes its own file; results are stored by index.</summary>
internal static class ParallelItems
{
    public static T[] Map<T>(int count, string part, IProgress<MiniatureProgress>? progress, Func<int, T> item)
    {
        var results = new T[count];
        int done = 0, step = Math.Max(1, count / 20);
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
        {
            results[i] = item(i);
            int d = Interlocked.Increment(ref done);
            if (progress != null && (d % step == 0 || d == count)) progress.Report(new MiniatureProgress(part, d, count));
        });
        return results;
    }
}
