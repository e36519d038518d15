using Repro.Core.Data.Coco;
using Repro.Core.Evaluation.Coco;

namespace Repro.Core.Regimes.SelfTraining;

/// <summary>
/// How good pseudo labels are against hidden ground truth (e.g. the miniature unlabeled pool's withheld labels), with
/// the COCO evaluator's matching at IoU 0.5: a pseudo box is a true positive when it is matched to a ground-truth box
/// of its category. Precision = true positives / pseudo boxes; recall = true positives / ground-truth boxes (pooled
/// over categories); AP50 ranks the kept boxes by the teacher's score (so it is truncated at the threshold).
/// For choosing the threshold; training never reads the hidden labels.
/// </summary>
public sealed record PseudoLabelQuality
{
    public int Images { get; init; }
    public int PseudoBoxes { get; init; }
    public int GroundTruthBoxes { get; init; }
    public int TruePositives { get; init; }
    /// <summary>True positives / pseudo boxes (0 when there are none).</summary>
    public double Precision { get; init; }
    /// <summary>True positives / ground-truth boxes (0 when there are none).</summary>
    public double Recall { get; init; }
    /// <summary>COCO AP at IoU 0.5 (0..1) of the pseudo boxes as detections; −1 without ground truth.</summary>
    public double AP50 { get; init; }

    /// <summary>
    /// Compares the first <paramref name="firstImages"/> images (by image id; null = all) of a pseudo-label file with
    /// a ground-truth COCO file; images are matched by file_name and categories by id.
    /// </summary>
    public static PseudoLabelQuality Measure(string pseudoAnnotations, string groundTruthAnnotations, int? firstImages = null)
    {
        var pseudo = PseudoLabelFile.Read(pseudoAnnotations);
        var gt = CocoGroundTruthLoader.Load(groundTruthAnnotations);
        var gtByName = new Dictionary<string, CocoImage>(StringComparer.Ordinal);
        foreach (var image in gt.Images) gtByName[image.FileName] = image;
        var gtCategories = gt.Categories.Select(c => c.Id).ToHashSet();
        foreach (var c in pseudo.Categories)
            if (!gtCategories.Contains(c.Id))
                throw new InvalidDataException($"{pseudoAnnotations}: category id {c.Id} ('{c.Name}') is not in {groundTruthAnnotations}");

        var images = pseudo.Images.OrderBy(i => i.Id).Take(firstImages ?? int.MaxValue).ToList();
        var gtIdOf = new Dictionary<long, long>();
        foreach (var image in images)
        {
            if (!gtByName.TryGetValue(image.FileName, out var match))
                throw new InvalidDataException($"{pseudoAnnotations}: image '{image.FileName}' (id {image.Id}) is not in {groundTruthAnnotations}");
            gtIdOf[image.Id] = match.Id;
        }
        var kept = gtIdOf.Values.ToHashSet();
        var subset = new CocoDataset
        {
            Images = gt.Images.Where(i => kept.Contains(i.Id)).ToList(),
            Annotations = gt.Annotations.Where(a => kept.Contains(a.ImageId)).ToList(),
            Categories = gt.Categories,
        };
        var results = pseudo.Annotations.Where(a => gtIdOf.ContainsKey(a.ImageId))
            .Select(a => new CocoResult { ImageId = gtIdOf[a.ImageId], CategoryId = a.CategoryId, Bbox = a.Bbox, Score = a.Score })
            .ToList();
        int perImage = results.GroupBy(r => r.ImageId).Select(g => g.Count()).DefaultIfEmpty(0).Max();
        var p = new CocoEvalParams { IouThresholds = new[] { 0.5 }, MaxDets = new[] { 1, 10, Math.Max(100, perImage) } };
        var acc = CocoEvaluator.Accumulate(subset, results, p, groundTruthAnnotations, pseudoAnnotations);
        var summary = CocoSummarizer.Summarize(acc);

        // Max recall per category at all detections is tp_k / gt_k; pool the true positives over categories.
        int all = p.AreaIndex("all"), last = p.MaxDets.Length - 1;
        var gtCount = subset.Annotations.Where(a => a.IsCrowd == 0).GroupBy(a => a.CategoryId).ToDictionary(g => g.Key, g => g.Count());
        int tp = 0, gtTotal = 0;
        for (int k = 0; k < acc.K; k++)
        {
            int n = gtCount.GetValueOrDefault(acc.CategoryIds[k]);
            gtTotal += n;
            double r = acc.Recall(0, k, all, last);
            if (n > 0 && r > 0) tp += (int)Math.Round(r * n);
        }
        return new PseudoLabelQuality
        {
            Images = images.Count, PseudoBoxes = results.Count, GroundTruthBoxes = gtTotal, TruePositives = tp,
            Precision = results.Count == 0 ? 0 : (double)tp / results.Count,
            Recall = gtTotal == 0 ? 0 : (double)tp / gtTotal,
            AP50 = summary.AP50,
        };
    }
}
