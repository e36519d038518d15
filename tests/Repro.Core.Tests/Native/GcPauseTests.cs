using System.Runtime;
using Repro.Core.Native;

namespace Repro.Core.Tests.Native;

// Process-wide GC state: never run beside the trainer tests, which also use GcPause.
[Collection("torch global RNG")]
public class GcPauseTests
{
    [Fact]
    public void No_collection_happens_between_safe_points_and_End_restores_normal_collection()
    {
        GcPause.AtSafePoint(64L << 20);
        Assert.Equal(GCLatencyMode.NoGCRegion, GCSettings.LatencyMode);
        int before = GC.CollectionCount(0);
        // Allocate 8 MB in small pieces (far more than a gen0 budget, well under half the region's).
        var keep = new List<byte[]>();
        for (int i = 0; i < 1000; i++) keep.Add(new byte[8192]);
        GcPause.AtSafePoint(64L << 20); // still under half the budget: the same region goes on
        Assert.Equal(before, GC.CollectionCount(0));
        GcPause.End();
        Assert.NotEqual(GCLatencyMode.NoGCRegion, GCSettings.LatencyMode);
        GC.KeepAlive(keep);
    }

    [Fact]
    public void A_region_past_half_its_budget_is_renewed_at_the_next_safe_point()
    {
        GcPause.AtSafePoint(16L << 20);
        int started = GcPause.RegionsStarted;
        var keep = new List<byte[]>();
        for (int i = 0; i < 1200; i++) keep.Add(new byte[8192]); // ~9.8 MB > 8 MB = half of 16 MB
        GcPause.AtSafePoint(16L << 20);
        Assert.Equal(started + 1, GcPause.RegionsStarted);
        Assert.Equal(GCLatencyMode.NoGCRegion, GCSettings.LatencyMode);
        GcPause.End();
        GC.KeepAlive(keep);
    }
}
