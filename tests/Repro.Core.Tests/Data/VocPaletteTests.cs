using Repro.Core.Data.Voc;

namespace Repro.Core.Tests.Data;

public class VocPaletteTests
{
    [Theory]
    // Published VOC colours: background black, aeroplane (128,0,0), bicycle (0,128,0), person (192,128,128), ignore (224,224,192).
    [InlineData(0, 0, 0, 0)]
    [InlineData(1, 128, 0, 0)]
    [InlineData(2, 0, 128, 0)]
    [InlineData(15, 192, 128, 128)]
    [InlineData(255, 224, 224, 192)]
    public void Matches_the_published_colours(int k, int r, int g, int b)
    {
        Assert.Equal(((byte)r, (byte)g, (byte)b), VocPalette.Color((byte)k));
        Assert.True(VocPalette.TryIndex((byte)r, (byte)g, (byte)b, out var back));
        Assert.Equal(k, back);
    }

    [Fact]
    public void Colours_are_distinct() =>
        Assert.Equal(256, Enumerable.Range(0, 256).Select(k => VocPalette.Color((byte)k)).Distinct().Count());
}
