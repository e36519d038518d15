namespace Repro.Core.Evaluation.Coco;

/// <summary>Evenly spaced values computed exactly as numpy.linspace does (start + i·step, last = stop), so the
/// thresholds are bit-identical to pycocotools' and recall comparisons at the sampling points agree.</summary>
public static class Linspace
{
    public static double[] Numpy(double start, double stop, int count)
    {
        if (count < 1) throw new ArgumentException($"count must be >= 1, got {count}", nameof(count));
        var y = new double[count];
        if (count == 1) { y[0] = start; return y; }
        double step = (stop - start) / (count - 1);
        for (int i = 0; i < count; i++) y[i] = i * step + start;
        y[count - 1] = stop;
        return y;
    }
}
