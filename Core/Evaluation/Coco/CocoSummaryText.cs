using System.Globalization;
using System.Text;

namespace Repro.Core.Evaluation.Coco;

/// <summary>
/// pycocotools' summary layout: ' {:&lt;18} {} @[ IoU={:&lt;9} | area={:&gt;6s} | maxDets={:&gt;3d} ] = {:0.3f}'.
/// </summary>
public static class CocoSummaryText
{
    public static string Format(CocoEvalSummary s)
    {
        string all = $"{F2(s.IouRange[0])}:{F2(s.IouRange[1])}";
        int m0 = s.MaxDets[0], m1 = s.MaxDets[1], m2 = s.MaxDets[2];
        var sb = new StringBuilder();
        Line(sb, true, all, "all", m2, s.AP);
        Line(sb, true, "0.50", "all", m2, s.AP50);
        Line(sb, true, "0.75", "all", m2, s.AP75);
        Line(sb, true, all, "small", m2, s.APs);
        Line(sb, true, all, "medium", m2, s.APm);
        Line(sb, true, all, "large", m2, s.APl);
        Line(sb, false, all, "all", m0, s.AR1);
        Line(sb, false, all, "all", m1, s.AR10);
        Line(sb, false, all, "all", m2, s.AR100);
        Line(sb, false, all, "small", m2, s.ARs);
        Line(sb, false, all, "medium", m2, s.ARm);
        Line(sb, false, all, "large", m2, s.ARl);
        return sb.ToString();
    }

    static void Line(StringBuilder sb, bool ap, string iou, string area, int maxDets, double value)
    {
        string title = ap ? "Average Precision" : "Average Recall";
        string type = ap ? "(AP)" : "(AR)";
        sb.Append(' ').Append(title.PadRight(18)).Append(' ').Append(type)
          .Append(" @[ IoU=").Append(iou.PadRight(9))
          .Append(" | area=").Append(area.PadLeft(6))
          .Append(" | maxDets=").Append(maxDets.ToString(CultureInfo.InvariantCulture).PadLeft(3))
          .Append(" ] = ").Append(Fixed(value, 3)).Append('\n');
    }

    static string F2(double v) => Fixed(v, 2);

    /// <summary>
    /// Python's '{:0.Nf}': the exact binary value rounded half-to-even. Only dyadic values can be exact ties
    /// (e.g. 0.0625 at 3 decimals); .NET may round those away from zero, so they are detected exactly and rounded
    /// to even here; every other value is not a tie and .NET's correctly rounded "F" format agrees with Python.
    /// </summary>
    public static string Fixed(double v, int decimals)
    {
        string fmt = "F" + decimals.ToString(CultureInfo.InvariantCulture);
        if (decimals <= 10 && IsExactTie(v, decimals, out long twiceScaled))
        {
            long lo = (long)Math.Floor(twiceScaled / 2.0);
            long even = (lo & 1) == 0 ? lo : lo + 1;
            decimal scale = 1m;
            for (int i = 0; i < decimals; i++) scale *= 10m;
            return (even / scale).ToString(fmt, CultureInfo.InvariantCulture);
        }
        return v.ToString(fmt, CultureInfo.InvariantCulture);
    }

    /// <summary>True when v·10^n is exactly an odd multiple of 1/2; <paramref name="twiceScaled"/> = 2·v·10^n.</summary>
    static bool IsExactTie(double v, int n, out long twiceScaled)
    {
        twiceScaled = 0;
        long pow5 = 1; for (int i = 0; i < n; i++) pow5 *= 5;
        double x = v * 2 * Math.Pow(10, n);             // exact when v is a tie (a small odd integer)
        if (double.IsNaN(x) || Math.Abs(x) > 1L << 52 || x != Math.Floor(x)) return false;
        long xi = (long)x;
        if ((xi & 1) == 0 || xi % pow5 != 0) return false;
        // Confirm exactly: a tie equals (xi / 5^n) / 2^(n+1), a dyadic number the double holds exactly.
        if ((xi / pow5) / Math.Pow(2, n + 1) != v) return false;
        twiceScaled = xi;
        return true;
    }
}
