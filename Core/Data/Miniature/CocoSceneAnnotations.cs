using System.Text.Json;
using Repro.Core.Data.Coco;

namespace Repro.Core.Data.Miniature;

/// <summary>
/// COCO instances records for generated scenes. Conventions (documented for readers and evaluation):
/// <list type="bullet">
/// <item>bbox = [x, y, w, h] of the tight box of the object's full extent (occluded parts included, as drawn before
/// occlusion) clipped to the image; pixel (x, y) covers [x, x+1), so an object covering pixels x0…x1 has
/// x = x0, w = x1 − x0 + 1 (whole numbers).</item>
/// <item>area = the number of pixels showing the object in the final image (COCO's mask area: visible pixels).</item>
/// <item>iscrowd = 0; segmentation omitted; category ids 1..C in <see cref="ShapeCatalog.DetectionNames"/> order.</item>
/// </list>
/// </summary>
public static class CocoSceneAnnotations
{
    public static List<CocoCategory> Categories() =>
        ShapeCatalog.DetectionNames.Select((n, i) => new CocoCategory { Id = i + 1, Name = n, Supercategory = "shape" }).ToList();

    /// <summary>The annotations of <paramref name="scene"/>'s labelled objects, in drawing order; ids are assigned by
    /// <see cref="Build"/>.</summary>
    public static CocoAnnotation[] Of(Scene scene) =>
        scene.Objects.Where(o => o.Label >= 0).Select(o => new CocoAnnotation
        {
            CategoryId = o.Label + 1,
            Bbox = new double[] { o.Box.X0, o.Box.Y0, o.Box.X1 - o.Box.X0, o.Box.Y1 - o.Box.Y0 },
            Area = o.VisibleArea,
            IsCrowd = 0,
        }).ToArray();

    /// <summary>Builds the instances file from per-image records (in index order): image id = index + 1, annotation
    /// ids 1, 2, … in image order.</summary>
    public static CocoDataset Build(IReadOnlyList<(CocoImage Image, CocoAnnotation[] Annotations)> items, string description)
    {
        var images = new List<CocoImage>(items.Count);
        var annotations = new List<CocoAnnotation>();
        for (int i = 0; i < items.Count; i++)
        {
            var (image, anns) = items[i];
            images.Add(image with { Id = i + 1 });
            foreach (var a in anns) annotations.Add(a with { Id = annotations.Count + 1, ImageId = i + 1 });
        }
        return new CocoDataset
        {
            Info = JsonSerializer.SerializeToElement(new { description, generator = "Repro.Core.Data.Miniature" }),
            Images = images, Annotations = annotations, Categories = Categories(),
        };
    }

    public static void Write(CocoDataset dataset, string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllBytes(path, JsonSerializer.SerializeToUtf8Bytes(dataset, CocoJson.Options));
    }
}
