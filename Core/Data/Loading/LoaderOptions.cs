using Repro.Core.Data.Batching;

namespace Repro.Core.Data.Loading;

/// <summary>What a <see cref="DetectionLoader"/> produces. These settings determine the batches; the worker count and
/// prefetch depth (constructor arguments of the loader) only change speed.</summary>
public sealed record LoaderOptions
{
    public int BatchSize { get; init; } = 32;
    public int Seed { get; init; }
    public bool Shuffle { get; init; } = true;
    public bool DropLast { get; init; } = true;
    public CollateOptions Collate { get; init; } = new();
}
