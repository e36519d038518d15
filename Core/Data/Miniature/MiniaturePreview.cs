using System.Text.Json;
using Repro.Core.Data.Coco;
using Repro.Core.Data.Images;
using Repro.Core.Data.Voc;

namespace Repro.Core.Data.Miniature;

/// <summary>
/// Contact sheets of generated data for a person to look at, read back from the written files (PNG decode, COCO JSON,
/// VOC palette), so they show what the loaders will see: boxes and class names for detection and the unlabeled
/// pool's hidden labels, class names for the classification pool, tinted masks for segmentation.
/// </summary>
public static class MiniaturePreview
{
    /// <summary>The part names <see cref="Save(MiniatureManifest, string, string, int)"/> accepts.</summary>
    public static readonly IReadOnlyList<string> Parts = new[]
    {
        "detection-train", "detection-val", "unlabeled", "classification-train", "classification-val",
        "segmentation-train", "segmentation-trainaug", "segmentation-val",
    };

    /// <summary>Draws the first <paramref name="count"/> items of <paramref name="part"/> into <paramref name="pngPath"/>.</summary>
    public static void Save(MiniatureManifest manifest, string part, string pngPath, int count = 32)
    {
        if (count < 1) throw new ArgumentException($"count must be >= 1, was {count}", nameof(count));
        var (samples, names, captions) = part switch
        {
            "detection-train" => Detection(manifest.DetectionTrainAnnotations, manifest.DetectionTrainImages, count),
            "detection-val" => Detection(manifest.DetectionValAnnotations, manifest.DetectionValImages, count),
            "unlabeled" => Detection(manifest.UnlabeledHiddenAnnotations, manifest.UnlabeledImages, count),
            "classification-train" => Classification(manifest.ClassificationTrain, manifest.ClassificationClasses, count),
            "classification-val" => Classification(manifest.ClassificationVal, manifest.ClassificationClasses, count),
            "segmentation-train" => Segmentation(manifest.VocRoot, "train", count),
            "segmentation-trainaug" => Segmentation(manifest.VocRoot, "trainaug", count),
            "segmentation-val" => Segmentation(manifest.VocRoot, "val", count),
            _ => throw new ArgumentException($"unknown part '{part}'; expected one of {string.Join(", ", Parts)}", nameof(part)),
        };
        ContactSheet.Save(pngPath, samples, columns: 8, scale: 3, classNames: names, captions: captions);
    }

    /// <summary>Same, for the miniature at <paramref name="root"/> (reads its manifest).</summary>
    public static void Save(string root, string part, string pngPath, int count = 32) =>
        Save(MiniatureManifest.Load(root), part, pngPath, count);

    /// <summary>Reads a COCO instances file into the shared records (minimal: no validation beyond JSON parsing).</summary>
    public static CocoDataset ReadCoco(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<CocoDataset>(File.ReadAllBytes(path), CocoJson.Options)
                   ?? throw new InvalidDataException($"{path}: empty COCO file");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: malformed COCO JSON: {e.Message}", e);
        }
    }

    /// <summary>Decodes a VOC SegmentationClass PNG to class indices through <see cref="VocPalette"/>.</summary>
    public static byte[] ReadVocLabels(string path)
    {
        var img = ImageIO.Load(path);
        var labels = new byte[img.Width * img.Height];
        for (int i = 0; i < labels.Length; i++)
        {
            byte r = img.Pixels[3 * i], g = img.Pixels[3 * i + 1], b = img.Pixels[3 * i + 2];
            if (!VocPalette.TryIndex(r, g, b, out labels[i]))
                throw new InvalidDataException($"{path}: pixel {i % img.Width},{i / img.Width} has colour ({r},{g},{b}) not in the VOC palette");
        }
        return labels;
    }

    static (List<LabelledImage>, IReadOnlyList<string>, IReadOnlyList<string>?) Detection(string annotations, string images, int count)
    {
        var coco = ReadCoco(annotations);
        var map = new CategoryMap(coco.Categories);
        var names = coco.Categories.OrderBy(c => c.Id).Select(c => c.Name).ToList();
        var byImage = coco.Annotations.ToLookup(a => a.ImageId);
        var samples = coco.Images.Take(count).Select(im =>
        {
            var anns = byImage[im.Id].ToArray();
            return new LabelledImage
            {
                ImageId = im.Id,
                Image = ImageIO.Load(Path.Combine(images, im.FileName)),
                Boxes = anns.Select(a => BoxXyxy.FromXywh(a.Bbox[0], a.Bbox[1], a.Bbox[2], a.Bbox[3])).ToArray(),
                Labels = anns.Select(a => map.IndexOf(a.CategoryId)).ToArray(),
            };
        }).ToList();
        return (samples, names, null);
    }

    static (List<LabelledImage>, IReadOnlyList<string>?, IReadOnlyList<string>) Classification(string dir, IReadOnlyList<string> classes, int count)
    {
        var samples = new List<LabelledImage>();
        var captions = new List<string>();
        var files = classes.Select(c => Directory.GetFiles(Path.Combine(dir, c), "*.png").OrderBy(f => f, StringComparer.Ordinal).ToArray()).ToArray();
        for (int i = 0; samples.Count < count && i < count * classes.Count; i++)
        {
            int c = i % classes.Count, k = i / classes.Count;
            if (k >= files[c].Length) continue;
            samples.Add(new LabelledImage { ImageId = samples.Count, Image = ImageIO.Load(files[c][k]) });
            captions.Add(classes[c]);
        }
        return (samples, null, captions);
    }

    static (List<LabelledImage>, IReadOnlyList<string>?, IReadOnlyList<string>) Segmentation(string vocRoot, string set, int count)
    {
        var ids = File.ReadAllLines(Path.Combine(vocRoot, "ImageSets", "Segmentation", set + ".txt")).Where(l => l.Length > 0).Take(count).ToList();
        var samples = ids.Select((id, i) => new LabelledImage
        {
            ImageId = i,
            Image = ImageIO.Load(Path.Combine(vocRoot, "JPEGImages", id + ".png")),
            Mask = ReadVocLabels(Path.Combine(vocRoot, "SegmentationClass", id + ".png")),
        }).ToList();
        return (samples, null, ids);
    }
}
