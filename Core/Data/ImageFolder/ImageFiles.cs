namespace Repro.Core.Data.ImageFolder;

/// <summary>Which files count as images, and listing them in a deterministic order (ordinal by relative path with
/// '/' separators, so the order is the same on every file system).</summary>
public static class ImageFiles
{
    /// <summary>Extensions (lower case, with dot) the decoder reads; matched case-insensitively.</summary>
    public static readonly IReadOnlyList<string> SupportedExtensions = new[] { ".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp" };

    public static bool IsImage(string path) =>
        SupportedExtensions.Contains(Path.GetExtension(path).ToLowerInvariant());

    /// <summary>Full paths of the image files under <paramref name="folder"/>, sorted by relative path.</summary>
    public static string[] List(string folder, bool recursive)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"image folder not found: {folder}");
        var full = Path.GetFullPath(folder);
        return Directory.EnumerateFiles(full, "*", recursive ? SearchOption.AllDirectories : SearchOption.TopDirectoryOnly)
            .Where(IsImage)
            .Select(p => (Key: Path.GetRelativePath(full, p).Replace('\\', '/'), Path: p))
            .OrderBy(x => x.Key, StringComparer.Ordinal)
            .Select(x => x.Path)
            .ToArray();
    }
}
