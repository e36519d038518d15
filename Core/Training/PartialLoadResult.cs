namespace Repro.Core.Training;

/// <summary>What a partial state-dict load (<see cref="StateDictIO"/>) did.</summary>
/// <param name="LoadedKeys">Module keys that received source values.</param>
/// <param name="UntouchedKeys">Module keys outside the target prefix, left as they were (freshly initialised).</param>
/// <param name="IgnoredSourceKeys">Source keys under the source prefix that matched nothing (only when unexpected keys are allowed).</param>
public sealed record PartialLoadResult(
    IReadOnlyList<string> LoadedKeys,
    IReadOnlyList<string> UntouchedKeys,
    IReadOnlyList<string> IgnoredSourceKeys);
