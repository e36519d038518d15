using Repro.Core.Training;

namespace Repro.Core.Tests.Training;

public class SeedingTests
{
    [Fact]
    public void Derived_streams_are_reproducible_and_distinct_per_purpose_and_index()
    {
        static int[] Draw(long seed, string purpose, long index)
        {
            var r = Seeding.CreateRandom(seed, purpose, index);
            return Enumerable.Range(0, 8).Select(_ => r.Next()).ToArray();
        }

        Assert.Equal(Draw(1, "batch", 5), Draw(1, "batch", 5));
        Assert.NotEqual(Draw(1, "batch", 5), Draw(1, "batch", 6));
        Assert.NotEqual(Draw(1, "batch", 5), Draw(1, "augment", 5));
        Assert.NotEqual(Draw(1, "batch", 5), Draw(2, "batch", 5));
        // 10,000 neighbouring indices give 10,000 different seeds
        Assert.Equal(10_000, Enumerable.Range(0, 10_000).Select(i => Seeding.Derive(0, "x", i)).Distinct().Count());
    }
}
