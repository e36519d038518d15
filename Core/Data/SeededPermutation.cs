namespace Repro.Core.Data;

/// <summary>
/// Deterministic permutations from a seed, independent of .NET's Random implementation: SplitMix64 stream,
/// unbiased bounded draws by rejection, Fisher–Yates shuffle. Same (n, seed) → same permutation on every platform.
/// </summary>
public static class SeededPermutation
{
    /// <summary>A permutation of 0..n-1.</summary>
    public static int[] Create(int n, ulong seed)
    {
        if (n < 0) throw new ArgumentOutOfRangeException(nameof(n), n, "length must be non-negative");
        var p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        ulong state = seed;
        for (int i = n - 1; i > 0; i--)
        {
            int j = (int)Below(ref state, (ulong)i + 1);
            (p[i], p[j]) = (p[j], p[i]);
        }
        return p;
    }

    /// <summary>Mixes several integers into one seed (e.g. run seed and epoch), so nearby inputs give unrelated streams.</summary>
    public static ulong Combine(long a, long b)
    {
        ulong s = (ulong)a;
        ulong x = Next(ref s) ^ (ulong)b;
        return Next(ref x);
    }

    static ulong Below(ref ulong state, ulong bound)
    {
        // Reject the top partial block so every residue is equally likely.
        ulong limit = ulong.MaxValue - ulong.MaxValue % bound;
        ulong r;
        do r = Next(ref state); while (r >= limit);
        return r % bound;
    }

    static ulong Next(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
