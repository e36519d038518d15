namespace Repro.Core.Augment;

/// <summary>
/// The random stream of one augmented sample: xoshiro256** seeded through SplitMix64 from a hash of
/// (seed, epoch, image id). Each sample owns its stream, so the result does not depend on thread scheduling or on the
/// order in which samples are augmented.
/// </summary>
public sealed class AugmentRng
{
    ulong _s0, _s1, _s2, _s3;

    /// <summary>A stream seeded from one 64-bit value (expanded with SplitMix64).</summary>
    public AugmentRng(ulong seed)
    {
        ulong x = seed;
        _s0 = SplitMix64(ref x); _s1 = SplitMix64(ref x); _s2 = SplitMix64(ref x); _s3 = SplitMix64(ref x);
    }

    /// <summary>The stream for one sample: a pure function of (seed, epoch, imageId).</summary>
    public static AugmentRng ForSample(long seed, long epoch, long imageId) => new(Hash(seed, epoch, imageId));

    /// <summary>Mixes the three keys; each one passes through the SplitMix64 finalizer so nearby keys decorrelate.</summary>
    public static ulong Hash(long seed, long epoch, long imageId)
    {
        ulong h = Mix((ulong)seed ^ 0x9E3779B97F4A7C15UL);
        h = Mix(h ^ (ulong)epoch ^ 0xD1B54A32D192ED03UL);
        h = Mix(h ^ (ulong)imageId ^ 0x8CB92BA72F3D8DD7UL);
        return h;
    }

    static ulong SplitMix64(ref ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        return Mix(x);
    }

    static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Next raw 64 bits (xoshiro256**).</summary>
    public ulong NextUInt64()
    {
        ulong result = RotL(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0; _s3 ^= _s1; _s1 ^= _s2; _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotL(_s3, 45);
        return result;
    }

    static ulong RotL(ulong x, int k) => (x << k) | (x >> (64 - k));

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [min, max).</summary>
    public double Uniform(double min, double max) => min + (max - min) * NextDouble();

    /// <summary>Uniform integer in [0, n); n must be positive.</summary>
    public int NextInt(int n)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n), $"range size {n} must be positive");
        return (int)((NextUInt64() >> 33) * (ulong)n >> 31);
    }

    /// <summary>Uniform integer in [min, max); returns min when the range is empty.</summary>
    public int NextInt(int min, int max) => max <= min ? min : min + NextInt(max - min);

    /// <summary>True with probability p.</summary>
    public bool Chance(double p) => p >= 1 || (p > 0 && NextDouble() < p);

    /// <summary>+1 or -1 with equal probability (the reference's random negation of geometric magnitudes).</summary>
    public double Sign() => (NextUInt64() >> 63) == 0 ? 1.0 : -1.0;
}
