namespace Repro.Benchmarks;

/// <summary>The "--name value" options benchmarks take.</summary>
static class BenchmarkArgs
{
    public static int Int(string[] args, string name, int dflt, int min = 0)
    {
        int i = Array.IndexOf(args, name);
        if (i < 0) return dflt;
        if (i + 1 >= args.Length || !int.TryParse(args[i + 1], out var v) || v < min)
            throw new ArgumentException($"{name} needs an integer ≥ {min}");
        return v;
    }

    /// <summary>A comma-separated list of integers, e.g. "--threads 1,2".</summary>
    public static int[] Ints(string[] args, string name, int[] dflt, int min = 0)
    {
        int i = Array.IndexOf(args, name);
        if (i < 0) return dflt;
        int?[] values = i + 1 < args.Length
            ? args[i + 1].Split(',').Select(p => int.TryParse(p, out var v) && v >= min ? v : (int?)null).ToArray()
            : [];
        if (values.Length == 0 || values.Any(v => v is null)) throw new ArgumentException($"{name} needs comma-separated integers ≥ {min}");
        return values.Select(v => v!.Value).ToArray();
    }

    public static string String(string[] args, string name, string dflt)
    {
        int i = Array.IndexOf(args, name);
        return i < 0 ? dflt : i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{name} needs a value");
    }
}
