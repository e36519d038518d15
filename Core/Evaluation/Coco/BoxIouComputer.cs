using System.Runtime.CompilerServices;

namespace Repro.Core.Evaluation.Coco;

/// <summary>
/// Box IoU on [x, y, w, h] boxes as the COCO API computes it: no +1 on widths; for a crowd ground truth the union is
/// the detection's own area (so a detection fully inside a crowd region scores 1 however large the region is).
/// </summary>
internal sealed class BoxIouComputer : IIouComputer
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Compute(CocoEvalInput input, int detStart, int detCount, int gtStart, int gtCount, Span<double> ious)
    {
        var db = input.DetBox; var gb = input.GtBox; var crowd = input.GtCrowd;
        for (int d = 0; d < detCount; d++)
        {
            int o = 4 * (detStart + d);
            double dx = db[o], dy = db[o + 1], dw = db[o + 2], dh = db[o + 3];
            double detArea = dw * dh;
            for (int g = 0; g < gtCount; g++)
                ious[d * gtCount + g] = Iou(dx, dy, dw, dh, detArea, gb, 4 * (gtStart + g), crowd[gtStart + g]);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static double Iou(double dx, double dy, double dw, double dh, double detArea, double[] gb, int o, bool crowd)
    {
        double gx = gb[o], gy = gb[o + 1], gw = gb[o + 2], gh = gb[o + 3];
        double w = Math.Min(dx + dw, gx + gw) - Math.Max(dx, gx);
        if (w <= 0) return 0;
        double h = Math.Min(dy + dh, gy + gh) - Math.Max(dy, gy);
        if (h <= 0) return 0;
        double inter = w * h;
        double union = crowd ? detArea : detArea + gw * gh - inter;
        return inter / union;
    }
}
