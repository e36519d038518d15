using static TorchSharp.torch;

namespace Repro.Core.Models.Detection;

/// <summary>Pairwise intersection-over-union of xyxy boxes (no +1 convention).</summary>
public static class BoxIou
{
    /// <summary>
    /// IoU matrix [..., N, M] of boxes a [..., N, 4] (leading batch dimensions allowed) and b [M, 4]; 0 where the
    /// union is empty.
    /// </summary>
    public static Tensor Matrix(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        var areaA = (a.select(-1, 2) - a.select(-1, 0)).clamp(min: 0) * (a.select(-1, 3) - a.select(-1, 1)).clamp(min: 0);
        var areaB = (b.select(-1, 2) - b.select(-1, 0)).clamp(min: 0) * (b.select(-1, 3) - b.select(-1, 1)).clamp(min: 0);
        var lt = maximum(a.narrow(-1, 0, 2).unsqueeze(-2), b.narrow(-1, 0, 2));
        var rb = minimum(a.narrow(-1, 2, 2).unsqueeze(-2), b.narrow(-1, 2, 2));
        var wh = (rb - lt).clamp(min: 0);
        var inter = wh.select(-1, 0) * wh.select(-1, 1);
        var union = areaA.unsqueeze(-1) + areaB - inter;
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
