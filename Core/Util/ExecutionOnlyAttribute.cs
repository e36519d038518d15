namespace Repro.Core;

/// <summary>
/// Marks a config property that decides how a run executes (device, threads, intervals, caches, inference batch
/// sizes), not what it computes: <see cref="RunIdentity"/> leaves it out, so changing it never renames a run and a
/// checkpoint resumes under any value of it.
/// </summary>
[AttributeUsage(AttributeTargets.Property, Inherited = true)]
public sealed class ExecutionOnlyAttribute : Attribute;
