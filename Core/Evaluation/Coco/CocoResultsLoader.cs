using System.Runtime.CompilerServices;
using Repro.Core.Data.Coco;

namespace Repro.Core.Evaluation.Coco;

/// <summary>
/// Reads detections in the COCO results format (a JSON array of {image_id, category_id, bbox, score}) and checks
/// them against the ground truth: known image and category ids, finite score, bbox of 4 finite numbers with
/// non-negative width and height.
/// </summary>
public static class CocoResultsLoader
{
    public static List<CocoResult> Load(string path, CocoDataset gt)
    {
        var results = CocoResultsJsonReader.Read(path);
        Validate(results, gt, path);
        return results;
    }

    /// <summary>Throws InvalidDataException naming <paramref name="source"/>, the result index and the field.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Validate(IReadOnlyList<CocoResult> results, CocoDataset gt, string source)
    {
        var images = new HashSet<long>(gt.Images.Count);
        foreach (var im in gt.Images) images.Add(im.Id);
        var cats = new HashSet<int>();
        foreach (var c in gt.Categories) cats.Add(c.Id);
        for (int i = 0; i < results.Count; i++)
        {
            var r = results[i];
            if (r is null) throw new InvalidDataException($"{source}: result [{i}] is null");
            if (!images.Contains(r.ImageId)) throw new InvalidDataException($"{source}: result [{i}].image_id {r.ImageId} is not an image of the ground truth");
            if (!cats.Contains(r.CategoryId)) throw new InvalidDataException($"{source}: result [{i}].category_id {r.CategoryId} is not a category of the ground truth");
            if (!double.IsFinite(r.Score)) throw new InvalidDataException($"{source}: result [{i}].score is {r.Score}, not a finite number");
            if (r.Bbox is null || r.Bbox.Length != 4) throw new InvalidDataException($"{source}: result [{i}].bbox must be [x, y, width, height] (4 numbers), got {r.Bbox?.Length ?? 0}");
            for (int j = 0; j < 4; j++)
                if (!double.IsFinite(r.Bbox[j])) throw new InvalidDataException($"{source}: result [{i}].bbox[{j}] is {r.Bbox[j]}, not a finite number");
            if (r.Bbox[2] < 0) throw new InvalidDataException($"{source}: result [{i}].bbox width is negative ({r.Bbox[2]})");
            if (r.Bbox[3] < 0) throw new InvalidDataException($"{source}: result [{i}].bbox height is negative ({r.Bbox[3]})");
        }
    }
}
