using Repro.Core.Data.Images;

namespace Repro.Core.Data.ImageFolder;

/// <summary>
/// A labelled classification set laid out folder-per-class (root/&lt;class&gt;/**/image): classes are the sub-folder
/// names sorted ordinally, label = class index, files sorted by class then relative path. A sample carries the
/// image, no boxes, and Labels = [class index]; ImageId is the sample index.
/// </summary>
public sealed class ImageFolderDataset : ILabelledImageSet
{
    readonly string[] _paths;
    readonly int[] _labels;
    readonly ImageCache? _cache;

    public ImageFolderDataset(string root, ImageCache? cache = null)
    {
        if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"image-folder dataset root not found: {root}");
        Root = Path.GetFullPath(root);
        _cache = cache;
        var classes = Directory.GetDirectories(Root).Select(Path.GetFileName).Select(n => n!)
            .Where(n => !n.StartsWith('.')).OrderBy(n => n, StringComparer.Ordinal).ToArray();
        if (classes.Length == 0) throw new InvalidDataException($"{Root}: no class sub-folders (expected root/<class>/<images>)");
        var paths = new List<string>();
        var labels = new List<int>();
        for (int c = 0; c < classes.Length; c++)
        {
            var files = ImageFiles.List(Path.Combine(Root, classes[c]), recursive: true);
            if (files.Length == 0)
                throw new InvalidDataException($"{Path.Combine(Root, classes[c])}: class folder '{classes[c]}' has no images ({string.Join(", ", ImageFiles.SupportedExtensions)})");
            paths.AddRange(files);
            labels.AddRange(Enumerable.Repeat(c, files.Length));
        }
        Classes = classes;
        _paths = paths.ToArray();
        _labels = labels.ToArray();
    }

    public string Root { get; }
    /// <summary>Class names; index = label.</summary>
    public IReadOnlyList<string> Classes { get; }
    public IReadOnlyList<string> Paths => _paths;
    public int Count => _paths.Length;
    public int LabelOf(int index) => _labels[index];

    public LabelledImage Get(int index)
    {
        if ((uint)index >= (uint)_paths.Length) throw new ArgumentOutOfRangeException(nameof(index), index, $"dataset has {Count} images");
        var image = _cache != null ? _cache.Load(_paths[index]) : ImageIO.Load(_paths[index]);
        return new LabelledImage { ImageId = index, Image = image, Labels = new[] { _labels[index] } };
    }
}
