namespace Repro.Core.Data.Miniature;

/// <summary>
/// A small counter-based RNG (SplitMix64) owned by one generated item. Its seed is derived from
/// (config seed, stream, item index) only, so every item is the same whatever order or thread generates it.
/// </summary>
public sealed class ItemRandom
{
    ulong _state;

    /// <summary>The RNG of item <paramref name="index"/> of <paramref name="stream"/> under <paramref name="seed"/>.</summary>
    public ItemRandom(int seed, MiniatureStream stream, int index)
    {
        _state = Mix(Mix(Mix((ulong)(uint)seed) ^ (ulong)stream) ^ (ulong)(uint)index);
    }

    /// <summary>An RNG from a raw 64-bit seed (used for sub-streams such as texture noise).</summary>
    public ItemRandom(ulong seed) => _state = Mix(seed);

    /// <summary>SplitMix64's finaliser: a bijective 64-bit mix.</summary>
    public static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public ulong NextULong()
    {
        _state += 0x9E3779B97F4A7C15UL;
        ulong z = _state;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextULong() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [lo, hiExclusive).</summary>
    public int Next(int lo, int hiExclusive)
    {
        if (hiExclusive <= lo) throw new ArgumentException($"empty range [{lo}, {hiExclusive})");
        return lo + (int)(NextULong() % (ulong)(hiExclusive - lo));
    }

    public double Uniform(double lo, double hi) => lo + (hi - lo) * NextDouble();

    /// <summary>Log-uniform in [lo, hi] (lo, hi &gt; 0): equal probability per octave, for size spreads.</summary>
    public double LogUniform(double lo, double hi) => Math.Exp(Uniform(Math.Log(lo), Math.Log(hi)));

    public bool Chance(double p) => NextDouble() < p;

    public T Pick<T>(IReadOnlyList<T> items) => items[Next(0, items.Count)];
}
