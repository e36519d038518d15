using System.Text.Json;
using Repro.Core.Data.Images;
using Repro.Core.Data.Miniature;

namespace Repro.Core.Tests.Miniature;

/// <summary>The written Smoke miniature read back from disk (PNG decode, JSON, VOC palette) against re-rendered scenes.</summary>
public class MiniatureFilesTests : IClassFixture<SmokeMiniatureFixture>
{
    readonly SmokeMiniatureFixture _f;
    public MiniatureFilesTests(SmokeMiniatureFixture f) => _f = f;

    public static IEnumerable<object[]> DetectionSplits() => new[]
    {
        new object[] { MiniatureStream.DetectionTrain, MiniatureLayout.DetectionTrainAnnotations, MiniatureLayout.DetectionTrainImages },
        new object[] { MiniatureStream.DetectionVal, MiniatureLayout.DetectionValAnnotations, MiniatureLayout.DetectionValImages },
        new object[] { MiniatureStream.Unlabeled, MiniatureLayout.UnlabeledHiddenAnnotations, MiniatureLayout.UnlabeledImages },
    };

    [Theory]
    [MemberData(nameof(DetectionSplits))]
    public void Boxes_and_areas_agree_with_the_drawn_pixels(MiniatureStream stream, string annotations, string images)
    {
        var coco = MiniaturePreview.ReadCoco(_f.Manifest.PathOf(annotations));
        var byImage = coco.Annotations.ToLookup(a => a.ImageId);
        int size = _f.Config.ImageSize;
        for (int index = 0; index < coco.Images.Count; index++)
        {
            var im = coco.Images[index];
            // The written PNG is exactly the re-rendered scene of (seed, stream, index) …
            var scene = _f.Generator.DetectionScene(stream, index);
            Assert.Equal(scene.Image.Pixels, ImageIO.Load(Path.Combine(_f.Manifest.PathOf(images), im.FileName)).Pixels);
            var anns = byImage[im.Id].ToArray();
            Assert.Equal(scene.Objects.Count, anns.Length);
            for (int k = 0; k < anns.Length; k++)
            {
                // … and each box is the tight bounds of that object's pixels, found by brute force over the image.
                var p = scene.Objects[k].Placement;
                int x0 = int.MaxValue, y0 = int.MaxValue, x1 = -1, y1 = -1, visible = 0;
                for (int y = 0; y < size; y++)
                    for (int x = 0; x < size; x++)
                    {
                        if (scene.Instance[y * size + x] == k + 1) visible++;
                        if (!p.CoversPixel(x, y)) continue;
                        x0 = Math.Min(x0, x); y0 = Math.Min(y0, y); x1 = Math.Max(x1, x); y1 = Math.Max(y1, y);
                    }
                Assert.Equal(new double[] { x0, y0, x1 - x0 + 1, y1 - y0 + 1 }, anns[k].Bbox);
                Assert.Equal(visible, anns[k].Area);
                Assert.Equal(ShapeCatalog.DetectionShapes.ToList().IndexOf(p.Shape) + 1, anns[k].CategoryId);
            }
        }
    }

    [Fact]
    public void Coco_json_has_valid_fields()
    {
        var path = _f.Manifest.DetectionTrainAnnotations;
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        foreach (var key in new[] { "images", "annotations", "categories" })
            Assert.Equal(JsonValueKind.Array, doc.RootElement.GetProperty(key).ValueKind);
        var coco = MiniaturePreview.ReadCoco(path);
        Assert.Equal(_f.Config.DetectionTrainCount, coco.Images.Count);
        Assert.Equal(Enumerable.Range(1, coco.Images.Count).Select(i => (long)i), coco.Images.Select(i => i.Id));
        Assert.Equal(Enumerable.Range(1, coco.Annotations.Count).Select(i => (long)i), coco.Annotations.Select(a => a.Id));
        Assert.Equal(Enumerable.Range(1, 8), coco.Categories.Select(c => c.Id));
        Assert.Equal(new[] { "disc", "square", "triangle", "plus", "ring", "hollow_square", "star", "ellipse" }, coco.Categories.Select(c => c.Name));
        var ids = coco.Images.Select(i => i.Id).ToHashSet();
        foreach (var im in coco.Images)
        {
            Assert.Equal((64, 64), (im.Width, im.Height));
            Assert.True(File.Exists(Path.Combine(_f.Manifest.DetectionTrainImages, im.FileName)), im.FileName);
        }
        foreach (var a in coco.Annotations)
        {
            Assert.Contains(a.ImageId, ids);
            Assert.InRange(a.CategoryId, 1, 8);
            Assert.Equal(0, a.IsCrowd);
            Assert.Equal(4, a.Bbox.Length);
            Assert.True(a.Bbox[0] >= 0 && a.Bbox[1] >= 0 && a.Bbox[2] > 0 && a.Bbox[3] > 0 && a.Bbox[0] + a.Bbox[2] <= 64 && a.Bbox[1] + a.Bbox[3] <= 64);
            Assert.InRange(a.Area, 1, a.Bbox[2] * a.Bbox[3]);
        }
    }

    [Fact]
    public void Object_sizes_spread_over_small_medium_and_large()
    {
        var areas = new[] { _f.Manifest.DetectionTrainAnnotations, _f.Manifest.DetectionValAnnotations, _f.Manifest.UnlabeledHiddenAnnotations }
            .SelectMany(p => MiniaturePreview.ReadCoco(p).Annotations).Select(a => a.Area).ToArray();
        Assert.Equal(0.03 * 64 * 64, _f.Manifest.SmallMaxArea, 6);
        Assert.Equal(0.1 * 64 * 64, _f.Manifest.LargeMinArea, 6);
        double small = areas.Count(a => a < _f.Manifest.SmallMaxArea) / (double)areas.Length;
        double large = areas.Count(a => a > _f.Manifest.LargeMinArea) / (double)areas.Length;
        Assert.True(areas.Length > 100);
        Assert.InRange(small, 0.05, 0.6);   // the Default preset: 15% of 1,000 scenes' objects
        Assert.InRange(large, 0.1, 0.5);
        Assert.InRange(1 - small - large, 0.15, 0.7);
    }

    [Fact]
    public void Some_objects_are_truncated_at_the_border_and_their_boxes_are_clipped()
    {
        var coco = MiniaturePreview.ReadCoco(_f.Manifest.DetectionTrainAnnotations);
        Assert.Contains(coco.Annotations, a => a.Bbox[0] == 0 || a.Bbox[1] == 0 || a.Bbox[0] + a.Bbox[2] == 64 || a.Bbox[1] + a.Bbox[3] == 64);
    }

    [Fact]
    public void Voc_labels_decode_through_the_palette_to_the_label_map()
    {
        var voc = _f.Manifest.VocRoot;
        var trainAug = File.ReadAllLines(Path.Combine(voc, "ImageSets/Segmentation/trainaug.txt"));
        var val = File.ReadAllLines(Path.Combine(voc, "ImageSets/Segmentation/val.txt"));
        for (int i = 0; i < trainAug.Length; i++) Check(trainAug[i], MiniatureStream.SegmentationTrainAug, i);
        for (int i = 0; i < val.Length; i++) Check(val[i], MiniatureStream.SegmentationVal, i);

        void Check(string id, MiniatureStream stream, int index)
        {
            var scene = _f.Generator.DetectionScene(stream, index);
            Assert.Equal(scene.Image.Pixels, ImageIO.Load(Path.Combine(voc, "JPEGImages", id + ".png")).Pixels);
            var labels = MiniaturePreview.ReadVocLabels(Path.Combine(voc, "SegmentationClass", id + ".png"));
            // Oracle: label = shape index + 1 of the visible object, except on the ignore band.
            for (int p = 0; p < labels.Length; p++)
            {
                int inst = scene.Instance[p];
                int expect = inst == 0 ? 0 : ShapeCatalog.DetectionShapes.ToList().IndexOf(scene.Objects[inst - 1].Placement.Shape) + 1;
                Assert.True(labels[p] == expect || labels[p] == 255, $"{id}: pixel {p} label {labels[p]}, expected {expect}");
            }
            Assert.Equal(scene.LabelMap(ignoreBoundaries: true), labels);
        }
    }

    [Fact]
    public void Image_sets_are_nested_and_every_id_has_its_files()
    {
        var sets = Path.Combine(_f.Manifest.VocRoot, "ImageSets/Segmentation");
        var train = File.ReadAllLines(Path.Combine(sets, "train.txt"));
        var trainAug = File.ReadAllLines(Path.Combine(sets, "trainaug.txt"));
        var val = File.ReadAllLines(Path.Combine(sets, "val.txt"));
        Assert.Equal(_f.Config.SegmentationTrainCount, train.Length);
        Assert.Equal(_f.Config.SegmentationTrainAugCount, trainAug.Length);
        Assert.Equal(_f.Config.SegmentationValCount, val.Length);
        Assert.Subset(trainAug.ToHashSet(), train.ToHashSet());
        Assert.Empty(trainAug.Intersect(val));
        foreach (var id in trainAug.Concat(val))
        {
            Assert.True(File.Exists(Path.Combine(_f.Manifest.VocRoot, "JPEGImages", id + ".png")), id);
            Assert.True(File.Exists(Path.Combine(_f.Manifest.VocRoot, "SegmentationClass", id + ".png")), id);
        }
    }

    [Fact]
    public void Classification_pool_is_a_folder_per_class_tree()
    {
        foreach (var (dir, perClass) in new[] { (_f.Manifest.ClassificationTrain, _f.Config.ClassificationTrainPerClass), (_f.Manifest.ClassificationVal, _f.Config.ClassificationValPerClass) })
        {
            var folders = Directory.GetDirectories(dir).Select(Path.GetFileName).OrderBy(n => n, StringComparer.Ordinal).ToArray();
            Assert.Equal(ShapeCatalog.ClassificationClasses.Select(c => c.Name).OrderBy(n => n, StringComparer.Ordinal), folders);
            foreach (var c in folders)
            {
                var files = Directory.GetFiles(Path.Combine(dir, c!), "*.png");
                Assert.Equal(perClass, files.Length);
                var img = ImageIO.Load(files[0]);
                Assert.Equal((64, 64), (img.Width, img.Height));
            }
        }
        // Related but different label space: some classes share detection shapes, some shapes detection never sees.
        Assert.Contains(ShapeCatalog.ClassificationClasses, c => ShapeCatalog.DetectionShapes.Contains(c.Shape));
        Assert.Contains(ShapeCatalog.ClassificationClasses, c => !ShapeCatalog.DetectionShapes.Contains(c.Shape));
    }

    [Fact]
    public void Unlabeled_pool_is_a_plain_folder_with_hidden_labels_kept_apart()
    {
        var files = Directory.GetFiles(_f.Manifest.UnlabeledImages).Select(Path.GetFileName).OrderBy(n => n, StringComparer.Ordinal).ToArray();
        Assert.Equal(_f.Config.UnlabeledCount, files.Length);
        var hidden = MiniaturePreview.ReadCoco(_f.Manifest.UnlabeledHiddenAnnotations);
        Assert.Equal(files, hidden.Images.Select(i => i.FileName).OrderBy(n => n, StringComparer.Ordinal));
        Assert.False(File.Exists(Path.Combine(_f.Manifest.UnlabeledImages, "hidden_annotations.json")));
        // Different scenes from the labelled set.
        Assert.NotEqual(ImageIO.Load(Path.Combine(_f.Manifest.UnlabeledImages, files[0]!)).Pixels,
                        ImageIO.Load(Path.Combine(_f.Manifest.DetectionTrainImages, MiniatureLayout.DetectionFileName(1))).Pixels);
    }

    [Fact]
    public void Manifest_round_trips_and_counts_the_files()
    {
        var m = MiniatureManifest.Load(_f.Manifest.Root);
        Assert.Equal(_f.Manifest.ContentHash, m.ContentHash);
        Assert.Equal(_f.Config, m.Config with { TextureWeights = _f.Config.TextureWeights });
        Assert.Equal(Directory.GetFiles(m.Root, "*", SearchOption.AllDirectories).Length - 1, m.FileCount);
        Assert.Equal(16 * _f.Config.ClassificationTrainPerClass, m.ClassificationTrainCount);
        Assert.Equal(ShapeCatalog.SegmentationNames, m.SegmentationClasses);
        Assert.Equal("background", m.SegmentationClasses[0]);
        Assert.StartsWith("miniature-" + m.ConfigHash[..16], Path.GetFileName(m.Root));
    }

    [Theory]
    [InlineData("detection-train")]
    [InlineData("unlabeled")]
    [InlineData("classification-val")]
    [InlineData("segmentation-val")]
    public void Contact_sheet_renders(string part)
    {
        var png = Path.Combine(_f.CacheRoot, $"preview-{part}.png");
        MiniaturePreview.Save(_f.Manifest, part, png, 8);
        var img = ImageIO.Load(png);
        Assert.True(img.Width > 8 * 64 && img.Height > 64);
        Assert.True(img.Pixels.Distinct().Count() > 50);
    }

    [Fact]
    public void Unknown_preview_part_is_rejected_by_name()
    {
        var e = Assert.Throws<ArgumentException>(() => MiniaturePreview.Save(_f.Manifest, "coco", "x.png", 4));
        Assert.Contains("coco", e.Message);
    }
}
