namespace Repro.Core.Evaluation.Coco;

/// <summary>
/// Parameters of COCO detection evaluation (pycocotools <c>Params</c> for iouType bbox). Defaults are COCO's:
/// IoU thresholds 0.50:0.05:0.95, 101 recall points 0:0.01:1, maxDets 1/10/100, and the four area ranges.
/// The miniature study's small images can use <see cref="WithAreaScale"/> to shrink the area ranges.
/// </summary>
public sealed record CocoEvalParams
{
    /// <summary>"bbox" (implemented) or "segm" (not implemented yet).</summary>
    public string IouType { get; init; } = "bbox";
    /// <summary>IoU thresholds, ascending (at most 64). Default: numpy linspace(0.5, 0.95, 10).</summary>
    public double[] IouThresholds { get; init; } = Linspace.Numpy(0.5, 0.95, 10);
    /// <summary>Recall points where precision is sampled, strictly ascending. Default: numpy linspace(0, 1, 101).</summary>
    public double[] RecallThresholds { get; init; } = Linspace.Numpy(0.0, 1.0, 101);
    /// <summary>Maximum detections per image and category; exactly three ascending values for the summary.</summary>
    public int[] MaxDets { get; init; } = { 1, 10, 100 };
    /// <summary>Area ranges; must contain the labels all, small, medium and large (the summary looks them up by label).</summary>
    public AreaRange[] AreaRanges { get; init; } = CocoAreaRanges(1.0);

    /// <summary>The default parameters (COCO's).</summary>
    public static CocoEvalParams Default => new();

    /// <summary>COCO's area ranges (all [0,1e10], small [0,32²], medium [32²,96²], large [96²,1e10]) with the
    /// small/medium/large boundaries multiplied by <paramref name="scale"/> (e.g. (side/640)² for small images).</summary>
    public static AreaRange[] CocoAreaRanges(double scale) => AreaRangesFor(32 * 32 * scale, 96 * 96 * scale);

    /// <summary>The four summary ranges with explicit limits: small [0, smallMax], medium [smallMax, largeMin],
    /// large [largeMin, 1e10] (e.g. a data set whose size buckets are relative to its image size).</summary>
    public static AreaRange[] AreaRangesFor(double smallMax, double largeMin) => new[]
    {
        new AreaRange("all", 0, 1e10),
        new AreaRange("small", 0, smallMax),
        new AreaRange("medium", smallMax, largeMin),
        new AreaRange("large", largeMin, 1e10),
    };

    /// <summary>A copy whose area-range boundaries are COCO's scaled by <paramref name="scale"/>.</summary>
    public CocoEvalParams WithAreaScale(double scale)
    {
        if (!(scale > 0) || double.IsInfinity(scale))
            throw new ArgumentException($"area scale must be a positive finite number, got {scale}", nameof(scale));
        return this with { AreaRanges = CocoAreaRanges(scale) };
    }

    /// <summary>Index of the area range with this label, or -1.</summary>
    public int AreaIndex(string label) => Array.FindIndex(AreaRanges, a => a.Label == label);

    /// <summary>Throws ArgumentException naming the offending parameter when the parameters cannot be evaluated.</summary>
    public void Validate()
    {
        if (IouThresholds is null || IouThresholds.Length == 0 || IouThresholds.Length > 64)
            throw new ArgumentException("CocoEvalParams.IouThresholds must hold 1..64 thresholds", nameof(IouThresholds));
        for (int i = 0; i < IouThresholds.Length; i++)
        {
            double t = IouThresholds[i];
            if (!(t >= 0 && t <= 1)) throw new ArgumentException($"CocoEvalParams.IouThresholds[{i}] = {t} is not in [0, 1]", nameof(IouThresholds));
            if (i > 0 && !(t > IouThresholds[i - 1])) throw new ArgumentException("CocoEvalParams.IouThresholds must be strictly ascending", nameof(IouThresholds));
        }
        if (RecallThresholds is null || RecallThresholds.Length == 0)
            throw new ArgumentException("CocoEvalParams.RecallThresholds must not be empty", nameof(RecallThresholds));
        for (int i = 0; i < RecallThresholds.Length; i++)
        {
            double r = RecallThresholds[i];
            if (!(r >= 0 && r <= 1)) throw new ArgumentException($"CocoEvalParams.RecallThresholds[{i}] = {r} is not in [0, 1]", nameof(RecallThresholds));
            if (i > 0 && !(r > RecallThresholds[i - 1])) throw new ArgumentException("CocoEvalParams.RecallThresholds must be strictly ascending", nameof(RecallThresholds));
        }
        if (MaxDets is null || MaxDets.Length != 3 || MaxDets[0] < 1 || MaxDets[1] <= MaxDets[0] || MaxDets[2] <= MaxDets[1])
            throw new ArgumentException("CocoEvalParams.MaxDets must be three strictly ascending positive numbers (e.g. 1, 10, 100)", nameof(MaxDets));
        if (AreaRanges is null) throw new ArgumentException("CocoEvalParams.AreaRanges must not be null", nameof(AreaRanges));
        for (int i = 0; i < AreaRanges.Length; i++)
        {
            var a = AreaRanges[i];
            if (a is null || !(a.Min <= a.Max) || double.IsNaN(a.Min) || double.IsNaN(a.Max))
                throw new ArgumentException($"CocoEvalParams.AreaRanges[{i}] must have Min <= Max", nameof(AreaRanges));
            for (int j = 0; j < i; j++)
                if (AreaRanges[j].Label == a.Label) throw new ArgumentException($"CocoEvalParams.AreaRanges label '{a.Label}' appears twice", nameof(AreaRanges));
        }
        foreach (var label in new[] { "all", "small", "medium", "large" })
            if (AreaIndex(label) < 0) throw new ArgumentException($"CocoEvalParams.AreaRanges needs a range labelled '{label}'", nameof(AreaRanges));
    }
}
