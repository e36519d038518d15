using static TorchSharp.torch;

namespace Repro.Core.Models.Detection;

/// <summary>
/// The R-CNN box parameterisation: for an anchor (centre ax, ay, size aw, ah) and a box (gx, gy, gw, gh),
/// dx = wx·(gx−ax)/aw, dy = wy·(gy−ay)/ah, dw = ww·log(gw/aw), dh = wh·log(gh/ah). Decoding clamps dw/ww and dh/wh at
/// log(1000/16) before exp so that wild predictions cannot overflow.
/// </summary>
public sealed class BoxCoder
{
    /// <summary>Upper bound on decoded log-scale deltas (as torchvision and detectron2).</summary>
    public static readonly double ScaleClamp = Math.Log(1000.0 / 16);

    public BoxCoder(double wx = 1, double wy = 1, double ww = 1, double wh = 1)
    {
        if (wx <= 0 || wy <= 0 || ww <= 0 || wh <= 0) throw new ArgumentException($"box coder weights must be positive, got ({wx}, {wy}, {ww}, {wh})");
        (Wx, Wy, Ww, Wh) = (wx, wy, ww, wh);
    }

    public BoxCoder(IReadOnlyList<double> weights) : this(Check(weights)[0], weights[1], weights[2], weights[3]) { }

    static IReadOnlyList<double> Check(IReadOnlyList<double> w) =>
        w.Count == 4 ? w : throw new ArgumentException($"box coder needs 4 weights, got {w.Count}", nameof(w));

    public double Wx { get; } public double Wy { get; } public double Ww { get; } public double Wh { get; }

    /// <summary>Regression targets [..., 4] for boxes [..., 4] relative to anchors [..., 4] (xyxy; shapes broadcast).</summary>
    public Tensor Encode(Tensor anchors, Tensor boxes)
    {
        using var scope = NewDisposeScope();
        var (ax, ay, aw, ah) = CentreSize(anchors);
        var (gx, gy, gw, gh) = CentreSize(boxes);
        var d = stack(new[]
        {
            (gx - ax) / aw * Wx, (gy - ay) / ah * Wy, (gw / aw).log() * Ww, (gh / ah).log() * Wh,
        }, -1);
        return d.MoveToOuterDisposeScope();
    }

    /// <summary>Boxes [..., 4] xyxy from deltas [..., 4] relative to anchors [..., 4] (shapes broadcast).</summary>
    public Tensor Decode(Tensor deltas, Tensor anchors)
    {
        using var scope = NewDisposeScope();
        var (ax, ay, aw, ah) = CentreSize(anchors);
        var dx = deltas.select(-1, 0) / Wx; var dy = deltas.select(-1, 1) / Wy;
        double sizeFactor = InjectedRegression.Is(InjectedRegression.BoxCoderWeight) ? 2 : 1;
        var dw = (deltas.select(-1, 2) / (Ww * sizeFactor)).clamp(max: ScaleClamp);
        var dh = (deltas.select(-1, 3) / (Wh * sizeFactor)).clamp(max: ScaleClamp);
        var cx = dx * aw + ax; var cy = dy * ah + ay;
        var w = dw.exp() * aw; var h = dh.exp() * ah;
        var b = stack(new[] { cx - 0.5 * w, cy - 0.5 * h, cx + 0.5 * w, cy + 0.5 * h }, -1);
        return b.MoveToOuterDisposeScope();
    }

    static (Tensor cx, Tensor cy, Tensor w, Tensor h) CentreSize(Tensor b)
    {
        var w = b.select(-1, 2) - b.select(-1, 0);
        var h = b.select(-1, 3) - b.select(-1, 1);
        return (b.select(-1, 0) + 0.5 * w, b.select(-1, 1) + 0.5 * h, w, h);
    }
}
