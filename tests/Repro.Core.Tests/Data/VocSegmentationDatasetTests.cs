using Repro.Core.Data.Images;
using Repro.Core.Data.Voc;
using SkiaSharp;

namespace Repro.Core.Tests.Data;

public class VocSegmentationDatasetTests
{
    /// <summary>A 3x2 mask image painted with the palette colours of the given class indices (row-major).</summary>
    static RgbImage MaskImage(int w, int h, byte[] classes)
    {
        var img = new RgbImage(w, h);
        for (int i = 0; i < classes.Length; i++)
        {
            var (r, g, b) = VocPalette.Color(classes[i]);
            img.Pixels[3 * i] = r; img.Pixels[3 * i + 1] = g; img.Pixels[3 * i + 2] = b;
        }
        return img;
    }

    static void WriteJpeg(string path, RgbImage image)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var bmp = ImageIO.ToBitmap(image);
        using var sk = SKImage.FromBitmap(bmp);
        using var data = sk.Encode(SKEncodedImageFormat.Jpeg, 95);
        File.WriteAllBytes(path, data.ToArray());
    }

    static readonly byte[] MaskA = { 0, 1, 15, 255, 20, 0 };
    static readonly byte[] MaskB = { 2, 2, 2, 2, 255, 255 };

    static TempDataDir Fixture()
    {
        var dir = new TempDataDir();
        dir.WritePng("voc/JPEGImages/2007_000001.png", 3, 2, salt: 5);
        WriteJpeg(dir.PathOf("voc/JPEGImages/2007_000002.jpg"), TempDataDir.Pattern(3, 2));
        dir.WritePng("voc/SegmentationClass/2007_000001.png", MaskImage(3, 2, MaskA));
        dir.WritePng("voc/SegmentationClass/2007_000002.png", MaskImage(3, 2, MaskB));
        dir.WriteText("voc/ImageSets/Segmentation/train.txt", "2007_000001\n2007_000002\n\n");
        dir.WriteText("voc/ImageSets/Segmentation/val.txt", "2007_000002\n");
        return dir;
    }

    [Fact]
    public void Decodes_palette_masks_with_ignore()
    {
        using var dir = Fixture();
        var ds = new VocSegmentationDataset(dir.PathOf("voc"), "train");
        Assert.Equal(new[] { "2007_000001", "2007_000002" }, ds.Ids);
        var a = ds.Get(0);
        Assert.Equal(0, a.ImageId);
        Assert.Equal(TempDataDir.Pattern(3, 2, salt: 5).Pixels, a.Image.Pixels);
        Assert.Equal(MaskA, a.Mask);
        Assert.Empty(a.Boxes);
        var b = ds.Get(1); // the .jpg image
        Assert.Equal((3, 2), (b.Image.Width, b.Image.Height));
        Assert.Equal(MaskB, b.Mask);
        Assert.Single(new VocSegmentationDataset(dir.PathOf("voc"), "val").Ids);
    }

    [Fact]
    public void Colour_outside_the_palette_names_file_and_pixel()
    {
        using var dir = Fixture();
        var bad = MaskImage(3, 2, MaskA);
        bad.Pixels[bad.Offset(1, 1)] = 1; // (x=1, y=1): class 20's colour with red changed to 1
        dir.WritePng("voc/SegmentationClass/2007_000001.png", bad);
        var ds = new VocSegmentationDataset(dir.PathOf("voc"), "train");
        var e = Assert.Throws<InvalidDataException>(() => ds.Get(0));
        Assert.Contains("2007_000001.png", e.Message);
        Assert.Contains("x=1, y=1", e.Message);
        Assert.Contains("VOC palette", e.Message);
    }

    [Fact]
    public void Missing_files_and_sets_are_reported_up_front()
    {
        using var dir = Fixture();
        File.Delete(dir.PathOf("voc/SegmentationClass/2007_000002.png"));
        var e = Assert.Throws<InvalidDataException>(() => new VocSegmentationDataset(dir.PathOf("voc"), "train"));
        Assert.Contains("train.txt", e.Message);
        Assert.Contains("SegmentationClass/2007_000002.png", e.Message);
        var f = Assert.Throws<FileNotFoundException>(() => new VocSegmentationDataset(dir.PathOf("voc"), "trainaug"));
        Assert.Contains("trainaug.txt", f.Message);
        Assert.Throws<ArgumentException>(() => new VocSegmentationDataset(dir.PathOf("voc"), "../train"));
        dir.WriteText("voc/ImageSets/Segmentation/evil.txt", "../../x\n");
        Assert.Contains("line 1", Assert.Throws<InvalidDataException>(() => new VocSegmentationDataset(dir.PathOf("voc"), "evil")).Message);
    }

    [Fact]
    public void Mask_size_mismatch_is_an_error()
    {
        using var dir = Fixture();
        dir.WritePng("voc/SegmentationClass/2007_000001.png", MaskImage(2, 2, new byte[4]));
        var e = Assert.Throws<InvalidDataException>(() => new VocSegmentationDataset(dir.PathOf("voc"), "train").Get(0));
        Assert.Contains("2x2", e.Message);
        Assert.Contains("3x2", e.Message);
    }

    [Fact]
    public void Index_encoded_masks_read_grey_values()
    {
        using var dir = Fixture();
        var grey = new RgbImage(3, 2);
        byte[] classes = { 0, 1, 2, 3, 255, 7 };
        for (int i = 0; i < 6; i++) grey.Pixels[3 * i] = grey.Pixels[3 * i + 1] = grey.Pixels[3 * i + 2] = classes[i];
        dir.WritePng("voc/SegmentationClassAug/2007_000002.png", grey);
        var ds = new VocSegmentationDataset(dir.PathOf("voc"), "val", maskFolder: "SegmentationClassAug", encoding: VocMaskEncoding.Index);
        Assert.Equal(classes, ds.Get(0).Mask);
        Assert.Throws<InvalidDataException>(() => VocSegmentationDataset.DecodeMask(MaskImage(3, 2, MaskA), "m.png", VocMaskEncoding.Index));
    }
}
