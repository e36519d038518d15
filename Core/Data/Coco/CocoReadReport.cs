namespace Repro.Core.Data.Coco;

/// <summary>What <see cref="CocoReader"/> changed or dropped while reading an instances file (see
/// <see cref="CocoReadOptions"/> for the policy). Warnings name the file, the annotation index and id.</summary>
public sealed class CocoReadReport
{
    /// <summary>At most this many warning messages are kept; the counters keep counting.</summary>
    public const int MaxWarningsKept = 1000;

    readonly List<string> _warnings = new();

    public IReadOnlyList<string> Warnings => _warnings;
    /// <summary>Boxes skipped because their clipped width or height was at most the minimum side.</summary>
    public int SkippedDegenerate { get; private set; }
    /// <summary>Boxes skipped because they lie wholly outside their image.</summary>
    public int SkippedOutside { get; private set; }
    /// <summary>Boxes that extended past the image border and were clipped to it.</summary>
    public int Clipped { get; private set; }
    /// <summary>All warnings raised, including those beyond <see cref="MaxWarningsKept"/>.</summary>
    public int WarningCount { get; private set; }

    internal void AddDegenerate(string message) { SkippedDegenerate++; Warn(message); }
    internal void AddOutside(string message) { SkippedOutside++; Warn(message); }
    internal void AddClipped() => Clipped++;

    void Warn(string message)
    {
        WarningCount++;
        if (_warnings.Count < MaxWarningsKept) _warnings.Add(message);
    }

    public override string ToString() =>
        $"{SkippedDegenerate} degenerate and {SkippedOutside} outside boxes skipped, {Clipped} clipped";
}
