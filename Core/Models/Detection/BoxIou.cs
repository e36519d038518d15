using static TorchSharp.torch;

namespace Repro.Core.Models.Detection;

/// <summary>Pairwise intersection-over-union of xyxy boxes (no +1 convention).</summary>
public static class BoxIou
{
    /// <summary>IoU matrix [N, M] of boxes a [N,4] and b [M,4]; 0 where the union is empty.</summary>
    public static Tensor Matrix(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        var areaA = (a[.., 2] - a[.., 0]).clamp(min: 0) * (a[.., 3] - a[.., 1]).clamp(min: 0);
        var areaB = (b[.., 2] - b[.., 0]).clamp(min: 0) * (b[.., 3] - b[.., 1]).clamp(min: 0);
        var lt = maximum(a[.., ..2].unsqueeze(1), b[.., ..2].unsqueeze(0));
        var rb = minimum(a[.., 2..].unsqueeze(1), b[.., 2..].unsqueeze(0));
        var wh = (rb - lt).clamp(min: 0);
        var inter = wh[.., .., 0] * wh[.., .., 1];
        var union = areaA.unsqueeze(1) + areaB.unsqueeze(0) - inter;
        return where(union > 0, inter / union.clamp(min: 1e-12), zeros_like(inter)).MoveToOuterDisposeScope();
    }

    /// <summary>IoU of two boxes given as (x1, y1, x2, y2).</summary>
    public static float Pair(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        float iw = Math.Min(a[2], b[2]) - Math.Max(a[0], b[0]);
        float ih = Math.Min(a[3], b[3]) - Math.Max(a[1], b[1]);
        if (iw <= 0 || ih <= 0) return 0;
        float inter = iw * ih;
        float union = Math.Max(0, a[2] - a[0]) * Math.Max(0, a[3] - a[1]) + Math.Max(0, b[2] - b[0]) * Math.Max(0, b[3] - b[1]) - inter;
        return union > 0 ? inter / union : 0;
    }
}
