using System.Text.Json;
using Repro.Core.Data.Voc;
using Repro.Core.Evaluation.Segmentation;
using Repro.Core.Models.Segmentation;
using Repro.Core.Regimes.Segmentation;

namespace Repro.Core.Experiments;

/// <summary>
/// Scores a segmentation model on a VOC image set: full-resolution predictions (<see cref="SegmentationInference"/>,
/// arg-max) against each image's own mask, accumulated in one <see cref="ConfusionMatrix"/>; pixels labelled 255 are
/// excluded. mIoU averages the classes that occur in labels or predictions.
/// </summary>
public static class SegmentationEvaluation
{
    /// <summary>One image: labelled (non-255) pixels, correctly predicted ones, and which classes occur in its mask
    /// and in the prediction.</summary>
    public sealed record ImageResult(string Id, long Pixels, long Correct, int[] LabelClasses, int[] PredictedClasses);

    public sealed record Output(SegmentationMetrics Metrics, ConfusionMatrix Confusion, IReadOnlyList<ImageResult> Images);

    public static Output Evaluate(SegmentationModel model, VocSegmentationDataset dataset, int batchSize, CancellationToken ct = default)
    {
        int c = model.Config.NumClasses;
        var total = new ConfusionMatrix(c);
        var images = new List<ImageResult>(dataset.Count);
        SegmentationInference.Run(model, dataset, batchSize, (i, sample, probs) =>
        {
            var prediction = probs.argmax(0).to(TorchSharp.torch.ScalarType.Byte).contiguous().data<byte>().ToArray();
            var label = sample.Mask!;
            var one = new ConfusionMatrix(c);
            try { one.Add(prediction, label); }
            catch (ArgumentException e)
            {
                throw new InvalidDataException($"{dataset.MaskPath(i)}: {e.Message} (the model has {c} classes)", e);
            }
            total.Add(one);
            long pixels = 0, correct = 0;
            for (int l = 0; l < c; l++)
                for (int p = 0; p < c; p++)
                {
                    pixels += one[l, p];
                    if (l == p) correct += one[l, p];
                }
            var labelClasses = label.Where(v => v != PixelCrossEntropy.IgnoreLabel).Select(v => (int)v).Distinct().Order().ToArray();
            var predicted = prediction.Select(v => (int)v).Distinct().Order().ToArray();
            images.Add(new ImageResult(dataset.Ids[i], pixels, correct, labelClasses, predicted));
        }, ct);
        return new Output(total.Metrics(), total, images);
    }

    static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>eval.json: mIoU and pixel accuracy in percent, per-class IoU in percent (null where the class occurs
    /// nowhere), counted pixels and images, and the confusion matrix (rows = label, columns = prediction).</summary>
    public static string ToJson(Output o, IReadOnlyList<string>? classNames = null)
    {
        int c = o.Confusion.NumClasses;
        var doc = new Dictionary<string, object?>
        {
            ["mIoU"] = Percent(o.Metrics.MeanIou),
            ["pixel_acc"] = Percent(o.Metrics.PixelAccuracy),
            ["class_iou"] = o.Metrics.ClassIou.Select(Percent).ToArray(),
            ["class_names"] = classNames,
            ["pixels"] = o.Metrics.Pixels,
            ["images"] = o.Images.Count,
            ["confusion"] = Enumerable.Range(0, c).Select(l => Enumerable.Range(0, c).Select(p => o.Confusion[l, p]).ToArray()).ToArray(),
        };
        return JsonSerializer.Serialize(doc, Indented);
    }

    /// <summary>predictions_val.json: one entry per image (id, pixels, correct, label and predicted classes).</summary>
    public static string PredictionsJson(Output o) => JsonSerializer.Serialize(o.Images, Indented);

    static double? Percent(double x) => double.IsFinite(x) ? x * 100 : null;
}
