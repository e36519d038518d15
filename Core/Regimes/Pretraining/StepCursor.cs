namespace Repro.Core.Regimes.Pretraining;

/// <summary>
/// Serves the Trainer's step-indexed loss callback from a prefetched stream: asking for the step after the previous
/// one takes the next streamed item, any other step (the first call, a resume) restarts the stream there.
/// </summary>
internal sealed class StepCursor<T> : IDisposable
{
    readonly Func<long, IEnumerable<T>> _streamFrom;
    IEnumerator<T>? _stream;
    long _next = -1;

    /// <param name="streamFrom">The items of steps s, s+1, … for a start step s.</param>
    public StepCursor(Func<long, IEnumerable<T>> streamFrom) => _streamFrom = streamFrom;

    public T At(long step)
    {
        if (_stream == null || step != _next)
        {
            _stream?.Dispose();
            _stream = _streamFrom(step).GetEnumerator();
        }
        if (!_stream.MoveNext()) throw new InvalidOperationException($"the batch stream ended before step {step}");
        _next = step + 1;
        return _stream.Current;
    }

    public void Dispose()
    {
        _stream?.Dispose();
        _stream = null;
    }
}
