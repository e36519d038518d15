using Repro.Core.Data;
using Repro.Core.Data.Images;

namespace Repro.Core.Tests.Data;

public class ImageIOTests
{
    [Fact]
    public void Png_round_trip_is_lossless()
    {
        var img = new RgbImage(5, 3);
        for (int i = 0; i < img.Pixels.Length; i++) img.Pixels[i] = (byte)(i * 37 % 256);
        var back = ImageIO.Decode(ImageIO.EncodePng(img), "mem");
        Assert.Equal(5, back.Width);
        Assert.Equal(3, back.Height);
        Assert.Equal(img.Pixels, back.Pixels);
    }

    [Fact]
    public void Corrupt_bytes_give_an_error_naming_the_source()
    {
        var e = Assert.Throws<InvalidDataException>(() => ImageIO.Decode(new byte[] { 1, 2, 3, 4 }, "broken.png"));
        Assert.Contains("broken.png", e.Message);
    }

    [Fact]
    public void Contact_sheet_renders_a_png_with_boxes()
    {
        var img = new RgbImage(16, 16);
        var sample = new LabelledImage { Image = img, Boxes = new[] { new BoxXyxy(2, 2, 10, 10) }, Labels = new[] { 1 }, Mask = new byte[256] };
        var path = Path.Combine(Path.GetTempPath(), $"sheet-{Guid.NewGuid():N}.png");
        ContactSheet.Save(path, new[] { sample, sample }, columns: 2, scale: 2, classNames: new[] { "a", "b" }, captions: new[] { "x", "y" });
        var sheet = ImageIO.Load(path);
        Assert.True(sheet.Width > 64 && sheet.Height > 32);
        // The box outline is drawn in the class colour; the black background inside is untouched.
        var c = ContactSheet.ColorOf(1);
        bool found = false;
        for (int i = 0; i < sheet.Width * sheet.Height && !found; i++)
            found = sheet.Pixels[3 * i] == c.Red && sheet.Pixels[3 * i + 1] == c.Green && sheet.Pixels[3 * i + 2] == c.Blue;
        Assert.True(found);
        File.Delete(path);
    }
}
