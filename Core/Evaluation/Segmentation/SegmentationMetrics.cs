namespace Repro.Core.Evaluation.Segmentation;

/// <summary>
/// Semantic segmentation scores from a confusion matrix. IoU of class c = TP / (TP + FP + FN). A class that appears
/// neither in the labels nor in the predictions (TP + FP + FN = 0) has IoU NaN and is left out of the mean (mIoU
/// averages only the classes that occur). Pixel accuracy = correctly classified / non-ignored pixels.
/// </summary>
public sealed record SegmentationMetrics
{
    /// <summary>Per-class IoU; NaN for classes absent from both prediction and label.</summary>
    public double[] ClassIou { get; init; } = Array.Empty<double>();
    /// <summary>Mean of the non-NaN class IoUs (NaN when no pixel was counted).</summary>
    public double MeanIou { get; init; }
    /// <summary>Fraction of counted (non-ignored) pixels whose prediction equals the label (NaN when none).</summary>
    public double PixelAccuracy { get; init; }
    /// <summary>Number of counted (non-ignored) pixels.</summary>
    public long Pixels { get; init; }

    /// <summary>
    /// The mIoU of the best constant predictor on the same labels: predicting class k everywhere scores IoU_k =
    /// (pixels labelled k) / (all pixels) and 0 for every other class that occurs, so its mIoU is the largest class's
    /// share over the number of classes that occur. A model at or below it has learnt nothing about the images.
    /// </summary>
    public static double BestConstantMeanIou(ConfusionMatrix cm)
    {
        int c = cm.NumClasses;
        var counts = cm.Counts;
        var rowSum = new long[c];
        long total = 0;
        for (int l = 0; l < c; l++)
            for (int p = 0; p < c; p++) { rowSum[l] += counts[l * c + p]; total += counts[l * c + p]; }
        int present = rowSum.Count(n => n > 0);
        return present == 0 ? double.NaN : (double)rowSum.Max() / total / present;
    }

    public static SegmentationMetrics From(ConfusionMatrix cm)
    {
        int c = cm.NumClasses;
        var counts = cm.Counts;
        var rowSum = new long[c]; var colSum = new long[c];
        long total = 0, correct = 0;
        for (int l = 0; l < c; l++)
            for (int p = 0; p < c; p++)
            {
                long n = counts[l * c + p];
                rowSum[l] += n; colSum[p] += n; total += n;
                if (l == p) correct += n;
            }
        var iou = new double[c];
        double sum = 0; int present = 0;
        for (int k = 0; k < c; k++)
        {
            long tp = counts[k * c + k];
            long union = rowSum[k] + colSum[k] - tp;
            if (union == 0) { iou[k] = double.NaN; continue; }
            iou[k] = (double)tp / union;
            sum += iou[k]; present++;
        }
        return new SegmentationMetrics
        {
            ClassIou = iou,
            MeanIou = present == 0 ? double.NaN : sum / present,
            PixelAccuracy = total == 0 ? double.NaN : (double)correct / total,
            Pixels = total,
        };
    }
}
