namespace Repro.Benchmarks;

/// <summary>A benchmark command. Implementations are discovered by reflection; one class per benchmark.</summary>
public interface IBenchmark
{
    /// <summary>The command-line name, e.g. "eval".</summary>
    string Name { get; }
    string Description { get; }
    /// <summary>Runs the benchmark, prints a human summary, returns the measured numbers (name → value).</summary>
    IReadOnlyDictionary<string, double> Run(string[] args);
}
