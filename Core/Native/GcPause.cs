using System.Runtime;

namespace Repro.Core.Native;

/// <summary>
/// Keeps garbage collections out of TorchSharp work (training steps, evaluation batches) by running that work inside
/// a no-GC region that is renewed only at safe points between steps.
///
/// Why: TorchSharp 0.107 passes temporary <c>Scalar</c>s to native code as raw handles without keeping the managed
/// object alive — e.g. the implicit <c>alpha = 1</c> of <c>tensor + tensor</c>, or an optimizer's
/// <c>add_(g, alpha: -lr)</c>. If a collection runs during that native call, the Scalar's finalizer can free it while
/// libtorch reads it; the symptom is a random "Expected false to be true … toFloat at c10/core/Scalar.h" (or a
/// crash) after hundreds of steps. DisposeScopes do not track Scalars, so they cannot help. Inside a no-GC region no
/// collection runs, so no Scalar in use can be finalized; the collections (and the finalizers of Scalars that really
/// are dead) happen at <see cref="AtSafePoint"/>, when no native call is in flight on the training thread.
/// Starting a region costs one full collection (a few ms), so a region is kept across steps until half its
/// allocation budget is used.
/// </summary>
public static class GcPause
{
    /// <summary>Allocation budget of one region, all threads together. A miniature training step allocates a few MB
    /// (tensor wrappers; the loader threads' next batches), so a region lasts tens of steps.</summary>
    public const long DefaultBudget = 192L << 20;

    static readonly object Gate = new();
    static long _allocatedAtStart = -1;
    static long _budget;
    static int _collectionsAtStart;

    /// <summary>Diagnostics: regions started, and collections that still happened inside a region (budget overrun).</summary>
    public static int RegionsStarted { get; private set; }
    public static int CollectionsInsideRegions { get; private set; }

    /// <summary>Call between units of TorchSharp work: makes sure a no-GC region with at least half its budget left
    /// is in effect, starting a fresh one (after a full collection, here, at a safe point) when needed.</summary>
    public static void AtSafePoint(long budgetBytes = DefaultBudget)
    {
        lock (Gate)
        {
            bool inRegion = GCSettings.LatencyMode == GCLatencyMode.NoGCRegion;
            if (_allocatedAtStart >= 0 && GC.CollectionCount(0) != _collectionsAtStart) CollectionsInsideRegions++;
            if (inRegion && _allocatedAtStart >= 0 && GC.GetTotalAllocatedBytes() - _allocatedAtStart < _budget / 2) return;
            if (inRegion) EndRegion();
            try
            {
                _budget = budgetBytes;
                if (!GC.TryStartNoGCRegion(budgetBytes)) { _allocatedAtStart = -1; return; }
            }
            catch (ArgumentOutOfRangeException)
            {
                _budget = 32L << 20; // larger than this runtime's ephemeral limit: use a smaller region
                if (!GC.TryStartNoGCRegion(_budget)) { _allocatedAtStart = -1; return; }
            }
            _allocatedAtStart = GC.GetTotalAllocatedBytes();
            _collectionsAtStart = GC.CollectionCount(0);
            RegionsStarted++;
        }
    }

    /// <summary>Ends the region (when the TorchSharp work is over), so the rest of the program collects as usual.</summary>
    public static void End()
    {
        lock (Gate) EndRegion();
    }

    static void EndRegion()
    {
        _allocatedAtStart = -1;
        if (GCSettings.LatencyMode != GCLatencyMode.NoGCRegion) return;
        try { GC.EndNoGCRegion(); }
        catch (InvalidOperationException) { /* the budget ran out and the runtime already ended it */ }
    }
}
