using Repro.Core.Data;

namespace Repro.Core.Augment.Geometry;

/// <summary>
/// An "*_Only_BBoxes" op: the inner op runs inside each box's pixel rectangle, independently per box with probability
/// <see cref="PerBoxProbability"/> (the policy's probability divided by 3 in the reference), boxes visited in a random
/// order, geometric inner ops with one random direction per call (as the reference). Boxes and labels never move; pixels (and mask pixels) move only inside the boxes.
/// </summary>
public sealed class OnlyBoxes : IAugmentOp
{
    public OnlyBoxes(IRegionOp inner, double perBoxProbability, double referenceSize = 640, string? name = null)
    {
        if (!(perBoxProbability >= 0 && perBoxProbability <= 1))
            throw new ArgumentOutOfRangeException(nameof(perBoxProbability), $"per-box probability {perBoxProbability} must be in [0, 1]");
        Inner = inner; PerBoxProbability = perBoxProbability; ReferenceSize = referenceSize;
        Name = name ?? inner.Name + "_Only_BBoxes";
    }

    public IRegionOp Inner { get; }
    public double PerBoxProbability { get; }
    public double ReferenceSize { get; }
    public string Name { get; }

    public LabelledImage Apply(LabelledImage sample, AugmentRng rng)
    {
        if (sample.Boxes.Length == 0) return sample;
        var img = sample.Image.Clone();
        var mask = (byte[]?)sample.Mask?.Clone();
        double scale = img.PixelScale(ReferenceSize);
        // One direction for all boxes of the image, as the reference negates the magnitude once per op call.
        double sign = rng.Sign();
        // Random visiting order (Fisher–Yates), since overlapping boxes see each other's changes.
        var order = new int[sample.Boxes.Length];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        for (int i = order.Length - 1; i > 0; i--) { int j = rng.NextInt(i + 1); (order[i], order[j]) = (order[j], order[i]); }
        foreach (int b in order)
        {
            if (!rng.Chance(PerBoxProbability)) continue;
            var region = PixelRect.Covering(sample.Boxes[b], img.Width, img.Height);
            if (region.IsEmpty) continue;
            if (Inner is AffineOp affine) affine.ApplyToRegion(img, mask, region, scale, sign);
            else Inner.ApplyToRegion(img, mask, region, scale, rng);
        }
        return sample.With(img, mask: mask);
    }
}
