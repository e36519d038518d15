namespace Repro.Core.Evaluation.Coco;

/// <summary>
/// Maps sparse ids to 0-based indices: a direct lookup table when the ids span a compact range (COCO's category ids
/// 1..90, sequential image ids), otherwise a dictionary. Built once per evaluation, queried once per record.
/// </summary>
internal sealed class IdIndex
{
    readonly long _min;
    readonly int[]? _table;   // _table[id - _min] = index + 1 (0 = absent)
    readonly Dictionary<long, int>? _map;

    /// <summary>Number of ids.</summary>
    public int Count { get; }

    /// <param name="sortedIds">Distinct ids in ascending order; the index of an id is its position.</param>
    public IdIndex(IReadOnlyList<long> sortedIds)
    {
        Count = sortedIds.Count;
        if (sortedIds.Count == 0) { _table = Array.Empty<int>(); return; }
        _min = sortedIds[0];
        long span = sortedIds[^1] - _min + 1;
        if (span > 0 && span <= 4L * sortedIds.Count + 1024)
        {
            _table = new int[span];
            for (int i = 0; i < sortedIds.Count; i++) _table[sortedIds[i] - _min] = i + 1;
        }
        else
        {
            _map = new Dictionary<long, int>(sortedIds.Count);
            for (int i = 0; i < sortedIds.Count; i++) _map[sortedIds[i]] = i;
        }
    }

    /// <summary>The index of <paramref name="id"/>, or −1 when it is not one of the ids.</summary>
    public int IndexOf(long id)
    {
        if (_table != null)
        {
            long o = id - _min;
            return (ulong)o < (ulong)_table.Length ? _table[o] - 1 : -1;
        }
        return _map!.TryGetValue(id, out int i) ? i : -1;
    }
}
