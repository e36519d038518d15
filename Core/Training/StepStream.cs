namespace Repro.Core.Training;

/// <summary>
/// Hands a trainer's loss callback the item (batch) of each step from a prefetching stream: consecutive steps read
/// the open stream; any other step (the first call, a resume) reopens it there. Items must be pure functions of the
/// step (as <see cref="Data.Loading.DetectionLoader"/>'s batches are), so a resumed run sees what an uninterrupted
/// one would have.
/// </summary>
internal sealed class StepStream<T>(Func<long, IEnumerable<T>> open) : IDisposable
{
    IEnumerator<T>? _stream;
    long _next = -1;

    /// <summary>The item of <paramref name="step"/> (the caller owns it).</summary>
    public T At(long step)
    {
        if (_stream == null || step != _next)
        {
            _stream?.Dispose();
            _stream = open(step).GetEnumerator();
        }
        if (!_stream.MoveNext()) throw new InvalidOperationException($"the data stream ended before step {step}");
        _next = step + 1;
        return _stream.Current;
    }

    public void Dispose()
    {
        _stream?.Dispose();
        _stream = null;
    }
}
