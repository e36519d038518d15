using Repro.Core.Data.Images;

namespace Repro.Core.Tests.Data;

/// <summary>A temporary folder for data fixtures, deleted on dispose; writes PNGs with known pixels and text files.</summary>
public sealed class TempDataDir : IDisposable
{
    public string Root { get; } = Path.Combine(Path.GetTempPath(), $"repro-data-{Guid.NewGuid():N}");

    public TempDataDir() => Directory.CreateDirectory(Root);

    public string PathOf(string relative) => Path.Combine(Root, relative);

    /// <summary>A w×h image whose pixel (x, y) channel c is (x·7 + y·13 + c·29 + salt) mod 256.</summary>
    public static RgbImage Pattern(int w, int h, int salt = 0)
    {
        var img = new RgbImage(w, h);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int c = 0; c < 3; c++)
                    img.Pixels[img.Offset(x, y) + c] = (byte)((x * 7 + y * 13 + c * 29 + salt) % 256);
        return img;
    }

    public string WritePng(string relative, RgbImage image)
    {
        var path = PathOf(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        ImageIO.SavePng(image, path);
        return path;
    }

    public string WritePng(string relative, int w, int h, int salt = 0) => WritePng(relative, Pattern(w, h, salt));

    public string WriteText(string relative, string text)
    {
        var path = PathOf(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}
