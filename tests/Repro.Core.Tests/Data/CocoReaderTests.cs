using Repro.Core.Data.Coco;

namespace Repro.Core.Tests.Data;

public class CocoReaderTests
{
    [Fact]
    public void Reads_fixture_applying_the_box_policy()
    {
        using var dir = new TempDataDir();
        var path = CocoFixture.Write(dir);
        var result = CocoReader.Read(path, dir.PathOf("images"));
        var ds = result.Dataset;

        Assert.Equal(2, ds.Images.Count);
        Assert.Equal(3, ds.Categories.Count);
        Assert.Equal("human", ds.Categories.Single(c => c.Id == 1).Supercategory);
        // 6 annotations: degenerate 102 and wholly-outside 104 skipped.
        Assert.Equal(new long[] { 100, 101, 103, 105 }, ds.Annotations.Select(a => a.Id));
        Assert.Equal(1, result.Report.SkippedDegenerate);
        Assert.Equal(1, result.Report.SkippedOutside);
        Assert.Equal(1, result.Report.Clipped);
        Assert.Equal(2, result.Report.Warnings.Count);
        Assert.Contains(result.Report.Warnings, w => w.Contains("instances.json") && w.Contains("annotations[2]") && w.Contains("degenerate"));
        Assert.Contains(result.Report.Warnings, w => w.Contains("instances.json") && w.Contains("annotations[4]") && w.Contains("outside"));
        // [-4, 2, 10, 5] on a 16x16 image: x from -4..6 clipped to 0..6.
        Assert.Equal(new double[] { 0, 2, 6, 5 }, ds.Annotations.Single(a => a.Id == 103).Bbox);
        Assert.Equal(new double[] { 2, 3, 10, 8 }, ds.Annotations.Single(a => a.Id == 100).Bbox);
        // Missing area defaults to w*h; missing iscrowd to 0.
        Assert.Equal(24, ds.Annotations.Single(a => a.Id == 105).Area);
        Assert.Equal(1, ds.Annotations.Single(a => a.Id == 101).IsCrowd);
        Assert.Equal(64, result.SourceSha256.Length);
        Assert.Equal(Repro.Core.Data.FileHash.Sha256(path), result.SourceSha256);
    }

    [Fact]
    public void Sanitizing_can_be_turned_off_for_ground_truth()
    {
        using var dir = new TempDataDir();
        var path = CocoFixture.Write(dir);
        var result = CocoReader.Read(path, options: new CocoReadOptions { SanitizeBoxes = false });
        Assert.Equal(6, result.Dataset.Annotations.Count);
        Assert.Equal(new double[] { -4, 2, 10, 5 }, result.Dataset.Annotations.Single(a => a.Id == 103).Bbox);
    }

    [Fact]
    public void Segmentations_are_kept_and_parse_as_polygons_and_rle()
    {
        using var dir = new TempDataDir();
        var ds = CocoReader.Read(CocoFixture.Write(dir)).Dataset;
        var poly = CocoSegmentation.Parse(ds.Annotations.Single(a => a.Id == 100).Segmentation!.Value, "x");
        Assert.False(poly.IsRle);
        Assert.Equal(new double[] { 2, 3, 12, 3, 12, 11, 2, 11 }, Assert.Single(poly.Polygons));
        var rle = CocoSegmentation.Parse(ds.Annotations.Single(a => a.Id == 101).Segmentation!.Value, "x");
        Assert.True(rle.IsRle);
        Assert.Equal((24, 32), (rle.Rle!.Height, rle.Rle.Width));
        Assert.Null(rle.Rle.CompressedCounts);
        Assert.Equal(new long[] { 10, 20, 738 }, rle.Rle.Counts);
        Assert.Null(ds.Annotations.Single(a => a.Id == 105).Segmentation);
    }

    public static TheoryData<string, string, string[]> BadFiles()
    {
        string A(string anns) => CocoFixture.Json(annotations: anns);
        const string ok = """{"id": 1, "image_id": 1, "category_id": 5, "bbox": [1, 1, 4, 4]}""";
        return new TheoryData<string, string, string[]>
        {
            { "malformed", "{\n  \"images\": [\n    {\"id\": 1,, }\n", new[] { "malformed JSON", "line 3" } },
            { "not an object", "[1, 2]", new[] { "(root)", "JSON object" } },
            { "no images", """{"annotations": [], "categories": []}""", new[] { "(root).images", "missing" } },
            { "no categories", """{"images": [], "annotations": []}""", new[] { "(root).categories", "missing" } },
            { "no annotations", """{"images": [], "categories": []}""", new[] { "(root).annotations", "missing" } },
            { "image width missing", CocoFixture.Json(images: """[{"id": 1, "file_name": "a.png", "height": 3}]""", annotations: "[]"), new[] { "images[0].width", "missing" } },
            { "image size zero", CocoFixture.Json(images: """[{"id": 1, "file_name": "a.png", "width": 0, "height": 3}]""", annotations: "[]"), new[] { "images[0].width/height", "positive" } },
            { "image id not integer", CocoFixture.Json(images: """[{"id": "x", "file_name": "a.png", "width": 4, "height": 3}]""", annotations: "[]"), new[] { "images[0].id", "integer" } },
            { "duplicate image id", CocoFixture.Json(images: """[{"id": 1, "file_name": "a.png", "width": 4, "height": 3}, {"id": 1, "file_name": "b.png", "width": 4, "height": 3}]""", annotations: "[]"), new[] { "images[1].id", "duplicate image id 1" } },
            { "duplicate category id", CocoFixture.Json(categories: """[{"id": 5, "name": "a"}, {"id": 5, "name": "b"}]""", annotations: "[]"), new[] { "categories[1].id", "duplicate category id 5" } },
            { "category name missing", CocoFixture.Json(categories: """[{"id": 5}]""", annotations: "[]"), new[] { "categories[0].name", "missing" } },
            { "duplicate annotation id", A($"[{ok}, {ok}]"), new[] { "annotations[1].id", "duplicate annotation id 1" } },
            { "unknown image id", A("""[{"id": 1, "image_id": 99, "category_id": 5, "bbox": [1, 1, 4, 4]}]"""), new[] { "annotations[0].image_id", "unknown image id 99" } },
            { "unknown category id", A("""[{"id": 1, "image_id": 1, "category_id": 4, "bbox": [1, 1, 4, 4]}]"""), new[] { "annotations[0].category_id", "unknown category id 4" } },
            { "bbox missing", A("""[{"id": 1, "image_id": 1, "category_id": 5}]"""), new[] { "annotations[0].bbox", "missing" } },
            { "bbox length 3", A("""[{"id": 1, "image_id": 1, "category_id": 5, "bbox": [1, 1, 4]}]"""), new[] { "annotations[0].bbox", "4 numbers" } },
            { "bbox not numbers", A("""[{"id": 1, "image_id": 1, "category_id": 5, "bbox": [1, 1, "w", 4]}]"""), new[] { "annotations[0].bbox[2]", "finite number" } },
            { "bbox overflow", A("""[{"id": 1, "image_id": 1, "category_id": 5, "bbox": [1, 1, 1e999, 4]}]"""), new[] { "annotations[0].bbox[2]", "finite number" } },
            { "negative size", A("""[{"id": 1, "image_id": 1, "category_id": 5, "bbox": [1, 1, 4, -2]}]"""), new[] { "annotations[0].bbox", "negative box size" } },
            { "iscrowd 2", A("""[{"id": 1, "image_id": 1, "category_id": 5, "bbox": [1, 1, 4, 4], "iscrowd": 2}]"""), new[] { "annotations[0].iscrowd" } },
            { "odd polygon", A("""[{"id": 1, "image_id": 1, "category_id": 5, "bbox": [1, 1, 4, 4], "segmentation": [[1, 2, 3]]}]"""), new[] { "annotations[0].segmentation[0]", "odd" } },
            { "bad rle sum", A("""[{"id": 1, "image_id": 1, "category_id": 5, "bbox": [1, 1, 4, 4], "segmentation": {"size": [2, 2], "counts": [1, 2]}}]"""), new[] { "annotations[0].segmentation.counts", "sum" } },
            { "parent traversal", CocoFixture.Json(images: """[{"id": 1, "file_name": "../secret.png", "width": 4, "height": 3}]""", annotations: "[]"), new[] { "images[0].file_name", "'..'" } },
            { "nested traversal", CocoFixture.Json(images: """[{"id": 1, "file_name": "a/../../x.png", "width": 4, "height": 3}]""", annotations: "[]"), new[] { "images[0].file_name", "'..'" } },
            { "absolute", CocoFixture.Json(images: """[{"id": 1, "file_name": "/etc/passwd", "width": 4, "height": 3}]""", annotations: "[]"), new[] { "images[0].file_name", "absolute" } },
            { "windows absolute", CocoFixture.Json(images: """[{"id": 1, "file_name": "C:\\x.png", "width": 4, "height": 3}]""", annotations: "[]"), new[] { "images[0].file_name", "absolute" } },
        };
    }

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void Bad_input_names_the_file_and_field(string why, string json, string[] expected)
    {
        using var dir = new TempDataDir();
        var path = dir.WriteText("bad-instances.json", json);
        var e = Assert.Throws<InvalidDataException>(() => CocoReader.Read(path));
        Assert.True(e.Message.Contains("bad-instances.json"), $"{why}: {e.Message}");
        foreach (var s in expected) Assert.True(e.Message.Contains(s), $"{why}: expected '{s}' in: {e.Message}");
    }

    [Fact]
    public void Strict_mode_turns_skipped_boxes_into_errors()
    {
        using var dir = new TempDataDir();
        var outside = CocoFixture.Json(annotations: """[{"id": 1, "image_id": 1, "category_id": 5, "bbox": [33, 1, 4, 4]}]""");
        var e = Assert.Throws<InvalidDataException>(() => CocoReader.Read(dir.WriteText("i.json", outside), options: new CocoReadOptions { Strict = true }));
        Assert.Contains("i.json", e.Message);
        Assert.Contains("annotations[0]", e.Message);
        Assert.Contains("outside image 1", e.Message);
        var zero = CocoFixture.Json(annotations: """[{"id": 1, "image_id": 1, "category_id": 5, "bbox": [3, 1, 0, 4]}]""");
        e = Assert.Throws<InvalidDataException>(() => CocoReader.Read(dir.WriteText("j.json", zero), options: new CocoReadOptions { Strict = true }));
        Assert.Contains("degenerate", e.Message);
    }

    [Fact]
    public void Box_just_over_min_side_after_clipping_is_kept_and_at_min_side_skipped()
    {
        using var dir = new TempDataDir();
        // Image 1 is 32 wide: x 30.5..40 clips to 30.5..32 (1.5 px, kept); x 31..40 clips to 31..32 (1 px, skipped).
        var json = CocoFixture.Json(annotations: """
            [{"id": 1, "image_id": 1, "category_id": 5, "bbox": [30.5, 1, 9.5, 4]},
             {"id": 2, "image_id": 1, "category_id": 5, "bbox": [31, 1, 9, 4]}]
            """);
        var r = CocoReader.Read(dir.WriteText("i.json", json));
        Assert.Equal(new double[] { 30.5, 1, 1.5, 4 }, Assert.Single(r.Dataset.Annotations).Bbox);
        Assert.Equal(1, r.Report.SkippedDegenerate);
        Assert.Equal(1, r.Report.Clipped);
    }

    [Fact]
    public void Missing_image_files_are_listed_up_front()
    {
        using var dir = new TempDataDir();
        var images = string.Join(", ", Enumerable.Range(1, 8).Select(i => $$"""{"id": {{i}}, "file_name": "img{{i}}.png", "width": 4, "height": 4}"""));
        var path = dir.WriteText("inst.json", CocoFixture.Json(images: $"[{images}]", annotations: "[]"));
        dir.WritePng("imgs/img3.png", 4, 4);
        var e = Assert.Throws<InvalidDataException>(() => CocoReader.Read(path, dir.PathOf("imgs")));
        Assert.Contains("inst.json", e.Message);
        Assert.Contains("7 of 8 image files missing", e.Message);
        Assert.Contains("images[0].file_name 'img1.png'", e.Message);
        Assert.DoesNotContain("img3.png", e.Message);
        Assert.Equal(CocoReader.MissingFilesListed, e.Message.Split("file_name '").Length - 1);
    }

    [Fact]
    public void Image_info_files_without_annotations_read_when_allowed()
    {
        using var dir = new TempDataDir();
        var path = dir.WriteText("unlabeled.json", """{"images": [{"id": 3, "file_name": "x.png", "width": 4, "height": 4}], "categories": []}""");
        var r = CocoReader.Read(path, options: new CocoReadOptions { RequireAnnotations = false });
        Assert.Single(r.Dataset.Images);
        Assert.Empty(r.Dataset.Annotations);
    }

    [Fact]
    public void Utf8_byte_order_mark_is_accepted()
    {
        using var dir = new TempDataDir();
        var path = dir.PathOf("bom.json");
        File.WriteAllText(path, CocoFixture.Json(annotations: "[]"), new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: true));
        Assert.Equal(0xEF, File.ReadAllBytes(path)[0]);
        Assert.Equal(2, CocoReader.Read(path).Dataset.Images.Count);
    }
}
