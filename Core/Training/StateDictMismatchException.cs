namespace Repro.Core.Training;

/// <summary>
/// A state dict does not fit a module: keys the module needs but the source lacks, source keys the module does not
/// have, and keys whose shape or dtype differ. Nothing is loaded when this is thrown.
/// </summary>
public sealed class StateDictMismatchException : Exception
{
    /// <summary>Module keys (full names) with no source entry.</summary>
    public IReadOnlyList<string> MissingKeys { get; }

    /// <summary>Source keys (full names) that map to no module entry.</summary>
    public IReadOnlyList<string> UnexpectedKeys { get; }

    /// <summary>Module keys whose source entry has another shape or dtype, with both descriptions.</summary>
    public IReadOnlyList<(string Key, string Expected, string Found)> Mismatched { get; }

    /// <summary>Creates the exception; <paramref name="source"/> names where the state dict came from (a file, "memory").</summary>
    public StateDictMismatchException(string source, IReadOnlyList<string> missing, IReadOnlyList<string> unexpected,
        IReadOnlyList<(string Key, string Expected, string Found)> mismatched)
        : base(Describe(source, missing, unexpected, mismatched))
    {
        MissingKeys = missing;
        UnexpectedKeys = unexpected;
        Mismatched = mismatched;
    }

    static string Describe(string source, IReadOnlyList<string> missing, IReadOnlyList<string> unexpected,
        IReadOnlyList<(string Key, string Expected, string Found)> mismatched)
    {
        const int show = 20;
        static string List(IEnumerable<string> items, int count) =>
            string.Join(", ", items.Take(show)) + (count > show ? $", … ({count - show} more)" : "");
        var parts = new List<string>();
        if (missing.Count > 0) parts.Add($"{missing.Count} missing key(s): {List(missing, missing.Count)}");
        if (unexpected.Count > 0) parts.Add($"{unexpected.Count} unexpected key(s): {List(unexpected, unexpected.Count)}");
        if (mismatched.Count > 0)
            parts.Add($"{mismatched.Count} shape/dtype mismatch(es): " +
                      List(mismatched.Select(m => $"{m.Key} (module {m.Expected}, source {m.Found})"), mismatched.Count));
        return $"state dict from {source} does not fit the module: {string.Join("; ", parts)}";
    }
}
