using Repro.Core.Data.Coco;

namespace Repro.Core.Evaluation.Coco;

/// <summary>
/// Reads a COCO instances file for evaluation and checks what evaluation relies on: unique image, category and
/// annotation ids; every annotation referring to a known image and category; finite 4-number boxes and areas.
/// (Full dataset-format validation belongs to the data layer.)
/// </summary>
public static class CocoGroundTruthLoader
{
    public static CocoDataset Load(string path)
    {
        var gt = EvalJson.Read<CocoDataset>(path, "ground-truth");
        Validate(gt, path);
        return gt;
    }

    /// <summary>Throws InvalidDataException naming <paramref name="source"/> and the offending field.</summary>
    public static void Validate(CocoDataset gt, string source)
    {
        if (gt.Images is null || gt.Annotations is null || gt.Categories is null)
            throw new InvalidDataException($"{source}: ground truth needs 'images', 'annotations' and 'categories' lists");
        var images = new HashSet<long>();
        for (int i = 0; i < gt.Images.Count; i++)
        {
            if (gt.Images[i] is null) throw new InvalidDataException($"{source}: images[{i}] is null");
            if (!images.Add(gt.Images[i].Id)) throw new InvalidDataException($"{source}: images[{i}].id {gt.Images[i].Id} is a duplicate image id");
        }
        var cats = new HashSet<int>();
        for (int i = 0; i < gt.Categories.Count; i++)
        {
            if (gt.Categories[i] is null) throw new InvalidDataException($"{source}: categories[{i}] is null");
            if (!cats.Add(gt.Categories[i].Id)) throw new InvalidDataException($"{source}: categories[{i}].id {gt.Categories[i].Id} is a duplicate category id");
        }
        var annIds = new HashSet<long>();
        for (int i = 0; i < gt.Annotations.Count; i++)
        {
            var a = gt.Annotations[i];
            if (a is null) throw new InvalidDataException($"{source}: annotations[{i}] is null");
            if (!annIds.Add(a.Id)) throw new InvalidDataException($"{source}: annotations[{i}].id {a.Id} is a duplicate annotation id");
            if (!images.Contains(a.ImageId)) throw new InvalidDataException($"{source}: annotations[{i}].image_id {a.ImageId} is not an id in 'images'");
            if (!cats.Contains(a.CategoryId)) throw new InvalidDataException($"{source}: annotations[{i}].category_id {a.CategoryId} is not an id in 'categories'");
            if (a.Bbox is null || a.Bbox.Length != 4) throw new InvalidDataException($"{source}: annotations[{i}].bbox must be [x, y, width, height] (4 numbers), got {a.Bbox?.Length ?? 0}");
            for (int j = 0; j < 4; j++)
                if (!double.IsFinite(a.Bbox[j])) throw new InvalidDataException($"{source}: annotations[{i}].bbox[{j}] is {a.Bbox[j]}, not a finite number");
            if (!double.IsFinite(a.Area)) throw new InvalidDataException($"{source}: annotations[{i}].area is {a.Area}, not a finite number");
        }
    }
}
