using Repro.Core.Data.Coco;

namespace Repro.Core.Models.Detection;

/// <summary>Turns detections into COCO results (bbox as [x, y, w, h], category ids through a <see cref="CategoryMap"/>).</summary>
public static class DetectionCocoResults
{
    /// <param name="detections">Per image, as <see cref="RetinaNet.Detect"/> returns them.</param>
    /// <param name="imageIds">COCO image id of each entry.</param>
    /// <param name="categories">Maps contiguous class indices back to category ids.</param>
    /// <param name="scales">Optional per-image factor the image was resized by before detection; boxes are divided by it
    /// to land in the original image's pixels.</param>
    public static List<CocoResult> ToCocoResults(IReadOnlyList<ImageDetections> detections, IReadOnlyList<long> imageIds,
                                                 CategoryMap categories, IReadOnlyList<double>? scales = null)
    {
        if (detections.Count != imageIds.Count)
            throw new ArgumentException($"{detections.Count} detection sets but {imageIds.Count} image ids", nameof(imageIds));
        if (scales != null && scales.Count != detections.Count)
            throw new ArgumentException($"{scales.Count} scales for {detections.Count} images", nameof(scales));
        var results = new List<CocoResult>();
        for (int i = 0; i < detections.Count; i++)
        {
            var d = detections[i];
            double s = scales?[i] ?? 1.0;
            if (s <= 0) throw new ArgumentException($"scale of image {imageIds[i]} must be positive, got {s}", nameof(scales));
            for (int k = 0; k < d.Count; k++)
            {
                if (d.Labels[k] < 0 || d.Labels[k] >= categories.Count)
                    throw new ArgumentException($"image {imageIds[i]}: label {d.Labels[k]} outside the {categories.Count} categories", nameof(detections));
                double x1 = d.Boxes[4 * k] / s, y1 = d.Boxes[4 * k + 1] / s, x2 = d.Boxes[4 * k + 2] / s, y2 = d.Boxes[4 * k + 3] / s;
                results.Add(new CocoResult
                {
                    ImageId = imageIds[i],
                    CategoryId = categories.IdOf(d.Labels[k]),
                    Bbox = new[] { x1, y1, x2 - x1, y2 - y1 },
                    Score = d.Scores[k],
                });
            }
        }
        return results;
    }
}
