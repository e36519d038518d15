using TorchSharp;

namespace Repro.Core.Training;

/// <summary>
/// Deterministic seeding for a run. A run has one integer seed; everything random is derived from it:
/// <list type="bullet">
/// <item>torch's global generator (weight init, dropout, torch-side sampling) via <see cref="SeedTorch"/>;</item>
/// <item>.NET-side randomness (data order, augmentation) via <see cref="CreateRandom"/>, which derives an independent
/// stream per purpose and index (e.g. per step), so a resumed run re-creates exactly the streams it needs without
/// saving any RNG state.</item>
/// </list>
/// Derivation is SplitMix64 over (seed, FNV-1a hash of the purpose, index): stable across processes and .NET versions.
/// </summary>
public static class Seeding
{
    /// <summary>Seeds torch's global CPU generator (and every CUDA generator when CUDA is available) with <paramref name="seed"/>.</summary>
    public static void SeedTorch(long seed)
    {
        torch.manual_seed(seed);
        if (torch.cuda.is_available()) torch.cuda.manual_seed_all(seed);
    }

    /// <summary>A 64-bit seed derived from (<paramref name="seed"/>, <paramref name="purpose"/>, <paramref name="index"/>); distinct inputs give unrelated outputs.</summary>
    public static ulong Derive(long seed, string purpose, long index = 0)
    {
        ArgumentNullException.ThrowIfNull(purpose);
        ulong h = 14695981039346656037UL; // FNV-1a 64
        foreach (var c in purpose)
        {
            h ^= c;
            h *= 1099511628211UL;
        }
        var x = Mix((ulong)seed);
        x = Mix(x ^ h);
        return Mix(x ^ (ulong)index);
    }

    /// <summary>A fresh <see cref="Random"/> for (<paramref name="seed"/>, <paramref name="purpose"/>, <paramref name="index"/>); same inputs, same sequence.</summary>
    public static Random CreateRandom(long seed, string purpose, long index = 0) =>
        new((int)(Derive(seed, purpose, index) & int.MaxValue));

    // SplitMix64 finaliser (Steele, Lea & Flood 2014).
    static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
