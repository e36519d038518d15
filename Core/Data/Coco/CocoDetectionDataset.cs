using Repro.Core.Data.Fractions;
using Repro.Core.Data.Images;

namespace Repro.Core.Data.Coco;

/// <summary>
/// COCO detection samples: images decoded with <see cref="ImageIO"/>, boxes as <see cref="BoxXyxy"/> (after the
/// reader's clip/skip policy), labels as contiguous class indices via <see cref="CategoryMap"/>.
/// Crowd annotations (iscrowd = 1) are excluded from the training targets, as in standard RetinaNet training
/// (they stay in <see cref="Coco"/> for evaluation, which ignores detections matched to them).
/// Images are ordered by image id; images without (non-crowd) annotations are kept as negatives.
/// </summary>
public sealed class CocoDetectionDataset : ILabelledImageSet
{
    readonly CocoImage[] _images;
    readonly BoxXyxy[][] _boxes;
    readonly int[][] _labels;
    readonly string[] _paths;
    readonly ImageCache? _cache;

    /// <summary>Reads <paramref name="instancesPath"/> (validated, image files checked) and opens the dataset.</summary>
    public static CocoDetectionDataset Open(string imagesRoot, string instancesPath, IEnumerable<long>? imageIds = null,
        CocoReadOptions? options = null, ImageCache? cache = null) =>
        new(CocoReader.Read(instancesPath, imagesRoot, options), imagesRoot, imageIds, cache);

    /// <summary>Opens the labelled fraction described by <paramref name="fraction"/>; its source hash must match the
    /// instances file (so a run can only train on the subset its record cites).</summary>
    public static CocoDetectionDataset Open(string imagesRoot, string instancesPath, LabelledFractionManifest fraction,
        CocoReadOptions? options = null, ImageCache? cache = null)
    {
        var read = CocoReader.Read(instancesPath, imagesRoot, options);
        if (!string.Equals(read.SourceSha256, fraction.SourceSha256, StringComparison.OrdinalIgnoreCase))
            throw new InvalidDataException(
                $"{instancesPath}: SHA-256 {read.SourceSha256} differs from the labelled-fraction manifest's source_sha256 {fraction.SourceSha256} ({fraction.SourceFile})");
        return new CocoDetectionDataset(read, imagesRoot, fraction.ImageIds, cache);
    }

    /// <param name="source">A validated instances file.</param>
    /// <param name="imagesRoot">Folder that file_name entries are relative to.</param>
    /// <param name="imageIds">Optional subset (e.g. a labelled fraction); every id must be in the file.</param>
    /// <param name="cache">Optional in-memory cache of decoded images.</param>
    public CocoDetectionDataset(CocoReadResult source, string imagesRoot, IEnumerable<long>? imageIds = null, ImageCache? cache = null)
    {
        Source = source;
        ImagesRoot = Path.GetFullPath(imagesRoot);
        Categories = new CategoryMap(source.Dataset.Categories);
        var names = source.Dataset.Categories.ToDictionary(c => c.Id, c => c.Name);
        ClassNames = Enumerable.Range(0, Categories.Count).Select(i => names[Categories.IdOf(i)]).ToArray();
        _cache = cache;
        var byId = source.Dataset.Images.ToDictionary(i => i.Id);
        IEnumerable<long> ids = byId.Keys;
        if (imageIds != null)
        {
            var subset = imageIds.ToList();
            foreach (var id in subset)
                if (!byId.ContainsKey(id)) throw new ArgumentException($"image id {id} is not in {source.SourcePath}", nameof(imageIds));
            ids = subset.Distinct();
        }
        _images = ids.OrderBy(i => i).Select(i => byId[i]).ToArray();
        ImageIds = _images.Select(i => i.Id).ToArray();
        var index = new Dictionary<long, int>();
        for (int i = 0; i < _images.Length; i++) index[_images[i].Id] = i;
        var boxes = _images.Select(_ => new List<BoxXyxy>()).ToArray();
        var labels = _images.Select(_ => new List<int>()).ToArray();
        foreach (var a in source.Dataset.Annotations)
        {
            if (a.IsCrowd != 0 || !index.TryGetValue(a.ImageId, out var k)) continue;
            boxes[k].Add(BoxXyxy.FromXywh(a.Bbox[0], a.Bbox[1], a.Bbox[2], a.Bbox[3]));
            labels[k].Add(Categories.IndexOf(a.CategoryId));
        }
        _boxes = boxes.Select(b => b.ToArray()).ToArray();
        _labels = labels.Select(l => l.ToArray()).ToArray();
        _paths = _images.Select(i => SafeRelativePath.Resolve(ImagesRoot, i.FileName, $"{source.SourcePath}: image {i.Id} file_name")).ToArray();
    }

    public CocoReadResult Source { get; }
    public CocoDataset Coco => Source.Dataset;
    public CocoReadReport Report => Source.Report;
    public CategoryMap Categories { get; }
    /// <summary>Category names by contiguous class index.</summary>
    public IReadOnlyList<string> ClassNames { get; }
    public string ImagesRoot { get; }
    /// <summary>Image ids in sample order (ascending).</summary>
    public IReadOnlyList<long> ImageIds { get; }
    public int Count => _images.Length;

    public CocoImage ImageInfo(int index) => _images[index];
    public string ImagePath(int index) => _paths[index];
    /// <summary>Number of (non-crowd) target boxes of a sample, without decoding its image.</summary>
    public int BoxCount(int index) => _boxes[index].Length;

    public LabelledImage Get(int index)
    {
        if ((uint)index >= (uint)_images.Length) throw new ArgumentOutOfRangeException(nameof(index), index, $"dataset has {Count} images");
        var info = _images[index];
        var path = _paths[index];
        var image = _cache != null ? _cache.Load(path) : ImageIO.Load(path);
        if (image.Width != info.Width || image.Height != info.Height)
            throw new InvalidDataException(
                $"{path}: decoded size {image.Width}x{image.Height} differs from width/height {info.Width}x{info.Height} of image id {info.Id} in {Source.SourcePath}");
        return new LabelledImage
        {
            ImageId = info.Id, Image = image, Boxes = (BoxXyxy[])_boxes[index].Clone(), Labels = (int[])_labels[index].Clone(),
        };
    }
}
