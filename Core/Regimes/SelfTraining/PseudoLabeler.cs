using System.Text.Json.Serialization;
using Repro.Core.Data.Coco;
using Repro.Core.Models.Detection;

namespace Repro.Core.Regimes.SelfTraining;

/// <summary>One hard pseudo box in the image's own pixels: COCO category id, [x, y, w, h], the teacher's score.</summary>
public sealed record PseudoBox(int CategoryId, double[] Bbox, double Score);

/// <summary>A pseudo-label annotation as written to <c>pseudo_labels.json</c>: a COCO annotation plus the teacher's
/// score as an extra field (COCO readers ignore it).</summary>
public sealed record PseudoAnnotation
{
    [JsonPropertyName("id")] public long Id { get; init; }
    [JsonPropertyName("image_id")] public long ImageId { get; init; }
    [JsonPropertyName("category_id")] public int CategoryId { get; init; }
    [JsonPropertyName("bbox")] public double[] Bbox { get; init; } = Array.Empty<double>();
    [JsonPropertyName("area")] public double Area { get; init; }
    [JsonPropertyName("iscrowd")] public int IsCrowd { get; init; }
    [JsonPropertyName("score")] public double Score { get; init; }
}

/// <summary>
/// The paper's hard pseudo labels for detection: of a teacher's detections on an image (after its post-processing
/// and NMS), keep those with score ≥ the threshold, highest first, at most a cap per image; map the teacher's
/// contiguous class indices to the category ids it was trained on; map boxes back to the image's pixels.
/// </summary>
public static class PseudoLabeler
{
    /// <param name="detections">The teacher's detections in input pixels (as <see cref="RetinaNet.Detect"/> returns them).</param>
    /// <param name="scale">The factor the image was resized by before detection (boxes are divided by it).</param>
    /// <param name="threshold">Minimum score kept (inclusive).</param>
    /// <param name="maxBoxes">At most this many boxes (the highest-scoring ones).</param>
    /// <param name="categories">The teacher's class index ↔ category id map.</param>
    public static List<PseudoBox> Select(ImageDetections detections, double scale, double threshold, int maxBoxes, CategoryMap categories)
    {
        ArgumentNullException.ThrowIfNull(detections);
        ArgumentNullException.ThrowIfNull(categories);
        if (!(scale > 0)) throw new ArgumentException($"scale must be positive, got {scale}", nameof(scale));
        if (maxBoxes < 0) throw new ArgumentException($"maxBoxes must be >= 0, got {maxBoxes}", nameof(maxBoxes));
        // Detect returns detections by descending score; sort anyway (stable) so the cap keeps the best whatever the source.
        var order = Enumerable.Range(0, detections.Count)
            .Where(i => detections.Scores[i] >= threshold)
            .OrderByDescending(i => detections.Scores[i])
            .Take(maxBoxes);
        var kept = new List<PseudoBox>();
        foreach (var i in order)
        {
            int label = detections.Labels[i];
            if (label < 0 || label >= categories.Count)
                throw new ArgumentException($"detection {i}: class index {label} outside the teacher's {categories.Count} categories", nameof(detections));
            double x1 = detections.Boxes[4 * i] / scale, y1 = detections.Boxes[4 * i + 1] / scale;
            double x2 = detections.Boxes[4 * i + 2] / scale, y2 = detections.Boxes[4 * i + 3] / scale;
            kept.Add(new PseudoBox(categories.IdOf(label), new[] { x1, y1, x2 - x1, y2 - y1 }, detections.Scores[i]));
        }
        return kept;
    }

    /// <summary>The annotation record of a pseudo box (area = w·h, not crowd).</summary>
    public static PseudoAnnotation ToAnnotation(PseudoBox box, long annotationId, long imageId) => new()
    {
        Id = annotationId, ImageId = imageId, CategoryId = box.CategoryId, Bbox = box.Bbox,
        Area = box.Bbox[2] * box.Bbox[3], IsCrowd = 0, Score = box.Score,
    };
}
