using Repro.Core.Data;
using Repro.Core.Data.Coco;

namespace Repro.Core.Tests.Data;

public class CocoDetectionDatasetTests
{
    [Fact]
    public void Samples_have_xyxy_boxes_contiguous_labels_and_no_crowd()
    {
        using var dir = new TempDataDir();
        var ds = CocoDetectionDataset.Open(dir.PathOf("images"), CocoFixture.Write(dir));
        Assert.Equal(2, ds.Count);
        Assert.Equal(new long[] { 1, 7 }, ds.ImageIds); // ascending id, not file order
        Assert.Equal(new[] { "person", "car", "dog" }, ds.ClassNames); // ids 1, 5, 9

        var a = ds.Get(0);
        Assert.Equal(1, a.ImageId);
        Assert.Equal(TempDataDir.Pattern(32, 24, salt: 1).Pixels, a.Image.Pixels);
        // Annotation 100 (category 5 → index 1); crowd 101 excluded; degenerate 102 skipped by the reader.
        Assert.Equal(new[] { new BoxXyxy(2, 3, 12, 11) }, a.Boxes);
        Assert.Equal(new[] { 1 }, a.Labels);

        var b = ds.Get(1);
        Assert.Equal(7, b.ImageId);
        // 103 clipped to [0,2,6,5] → xyxy (0,2,6,7), category 9 → 2; 104 outside skipped; 105 category 1 → 0.
        Assert.Equal(new[] { new BoxXyxy(0, 2, 6, 7), new BoxXyxy(1.5f, 2.5f, 5.5f, 8.5f) }, b.Boxes);
        Assert.Equal(new[] { 2, 0 }, b.Labels);
    }

    [Fact]
    public void Subset_selects_images_and_rejects_unknown_ids()
    {
        using var dir = new TempDataDir();
        var read = CocoReader.Read(CocoFixture.Write(dir), dir.PathOf("images"));
        var sub = new CocoDetectionDataset(read, dir.PathOf("images"), new long[] { 7 });
        Assert.Equal(new long[] { 7 }, sub.ImageIds);
        Assert.Equal(7, sub.Get(0).ImageId);
        var e = Assert.Throws<ArgumentException>(() => new CocoDetectionDataset(read, dir.PathOf("images"), new long[] { 7, 3 }));
        Assert.Contains("image id 3", e.Message);
    }

    [Fact]
    public void Unreadable_image_bytes_name_the_file()
    {
        using var dir = new TempDataDir();
        var json = CocoFixture.Write(dir);
        File.WriteAllBytes(dir.PathOf("images/a.png"), new byte[] { 0x89, 0x50, 1, 2, 3 });
        var ds = CocoDetectionDataset.Open(dir.PathOf("images"), json);
        var e = Assert.Throws<InvalidDataException>(() => ds.Get(0));
        Assert.Contains("a.png", e.Message);
    }

    [Fact]
    public void Size_mismatch_with_the_json_is_an_error()
    {
        using var dir = new TempDataDir();
        var json = CocoFixture.Write(dir);
        dir.WritePng("images/a.png", 30, 24); // the file says 32x24
        var ds = CocoDetectionDataset.Open(dir.PathOf("images"), json);
        var e = Assert.Throws<InvalidDataException>(() => ds.Get(0));
        Assert.Contains("a.png", e.Message);
        Assert.Contains("30x24", e.Message);
        Assert.Contains("32x24", e.Message);
        Assert.Contains("instances.json", e.Message);
    }

    [Fact]
    public void Cached_samples_are_equal_but_independent_copies()
    {
        using var dir = new TempDataDir();
        var cache = new ImageCache();
        var ds = CocoDetectionDataset.Open(dir.PathOf("images"), CocoFixture.Write(dir), cache: cache);
        var first = ds.Get(0);
        Assert.Equal(1, cache.Count);
        Assert.Equal(32 * 24 * 3, cache.Bytes);
        first.Image.Pixels[0] ^= 0xFF; // a transform modifying its sample must not reach the cache
        first.Boxes[0] = default;
        var second = ds.Get(0);
        Assert.Equal(TempDataDir.Pattern(32, 24, salt: 1).Pixels, second.Image.Pixels);
        Assert.Equal(new BoxXyxy(2, 3, 12, 11), second.Boxes[0]);
    }

    [Fact]
    public void Cache_respects_its_budget()
    {
        using var dir = new TempDataDir();
        var cache = new ImageCache(maxBytes: 32 * 24 * 3);
        var ds = CocoDetectionDataset.Open(dir.PathOf("images"), CocoFixture.Write(dir), cache: cache);
        ds.Get(0); ds.Get(1);
        Assert.Equal(1, cache.Count);
        Assert.Equal(TempDataDir.Pattern(16, 16, salt: 2).Pixels, ds.Get(1).Image.Pixels);
    }

    [Fact]
    public void Opening_a_fraction_checks_the_manifest_source()
    {
        using var dir = new TempDataDir();
        var json = CocoFixture.Write(dir);
        var manifest = Repro.Core.Data.Fractions.LabelledFraction.CreateManifest(CocoReader.Read(json), 0.5, seed: 3);
        var ds = CocoDetectionDataset.Open(dir.PathOf("images"), json, manifest);
        Assert.Equal(manifest.ImageIds, ds.ImageIds);
        File.AppendAllText(json, " "); // same content, different bytes: a different source file
        var e = Assert.Throws<InvalidDataException>(() => CocoDetectionDataset.Open(dir.PathOf("images"), json, manifest));
        Assert.Contains("source_sha256", e.Message);
    }
}
