using Repro.Core.Data.Images;

namespace Repro.Core.Data.ImageFolder;

/// <summary>
/// An unlabeled image pool (e.g. the self-training student's unlabeled data): every image file in a folder
/// (optionally recursive), in ordinal order of relative path. Samples carry no boxes or labels; ImageId is the index.
/// </summary>
public sealed class UnlabeledImageFolder : ILabelledImageSet
{
    readonly string[] _paths;
    readonly ImageCache? _cache;

    public UnlabeledImageFolder(string root, bool recursive = false, ImageCache? cache = null)
    {
        _paths = ImageFiles.List(root, recursive);
        Root = Path.GetFullPath(root);
        if (_paths.Length == 0)
            throw new InvalidDataException($"{Root}: no images ({string.Join(", ", ImageFiles.SupportedExtensions)}){(recursive ? "" : " at top level; pass recursive to search sub-folders")}");
        _cache = cache;
    }

    public string Root { get; }
    public IReadOnlyList<string> Paths => _paths;
    /// <summary>Paths relative to the root with '/' separators (stable identifiers across machines).</summary>
    public IReadOnlyList<string> RelativePaths => _paths.Select(p => Path.GetRelativePath(Root, p).Replace('\\', '/')).ToArray();
    public int Count => _paths.Length;

    public LabelledImage Get(int index)
    {
        if ((uint)index >= (uint)_paths.Length) throw new ArgumentOutOfRangeException(nameof(index), index, $"folder has {Count} images");
        var image = _cache != null ? _cache.Load(_paths[index]) : ImageIO.Load(_paths[index]);
        return new LabelledImage { ImageId = index, Image = image };
    }
}
