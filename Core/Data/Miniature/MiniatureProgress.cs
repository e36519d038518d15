namespace Repro.Core.Data.Miniature;

/// <summary>Progress of a generation: <paramref name="Done"/> of <paramref name="Total"/> items of <paramref name="Part"/>.</summary>
public readonly record struct MiniatureProgress(string Part, int Done, int Total);
