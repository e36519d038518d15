using Repro.Core.Data.Images;

namespace Repro.Core.Data.Voc;

/// <summary>
/// PASCAL VOC 2012 semantic segmentation in its standard layout: ids from ImageSets/Segmentation/&lt;set&gt;.txt,
/// images JPEGImages/&lt;id&gt;.jpg (or .png), masks &lt;maskFolder&gt;/&lt;id&gt;.png decoded through
/// <see cref="VocPalette"/> (255 = ignore). All files are checked up front. A sample's ImageId is the id's position
/// in the image-set file; <see cref="Ids"/> holds the VOC names.
/// </summary>
public sealed class VocSegmentationDataset : ILabelledImageSet
{
    /// <summary>How many missing files an error lists.</summary>
    public const int MissingFilesListed = 5;

    readonly string[] _ids, _images, _masks;
    readonly ImageCache? _cache;

    public VocSegmentationDataset(string root, string imageSet, ImageCache? cache = null,
        string maskFolder = "SegmentationClass", VocMaskEncoding encoding = VocMaskEncoding.Palette)
    {
        if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"VOC root not found: {root}");
        if (SafeRelativePath.Problem(imageSet) != null || imageSet.Contains('/') || imageSet.Contains('\\'))
            throw new ArgumentException($"image set name '{imageSet}' must be a plain name like train, trainaug or val", nameof(imageSet));
        Root = Path.GetFullPath(root);
        ImageSet = imageSet;
        Encoding = encoding;
        _cache = cache;
        var listFile = Path.Combine(Root, "ImageSets", "Segmentation", imageSet + ".txt");
        if (!File.Exists(listFile)) throw new FileNotFoundException($"VOC image set file not found: {listFile}", listFile);
        var ids = new List<string>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var lines = File.ReadAllLines(listFile);
        for (int i = 0; i < lines.Length; i++)
        {
            var id = lines[i].Trim();
            if (id.Length == 0) continue;
            if (SafeRelativePath.Problem(id) != null || id.Contains('/') || id.Contains('\\'))
                throw new InvalidDataException($"{listFile}: line {i + 1}: '{id}' is not a plain image id");
            if (!seen.TryAdd(id, i + 1)) throw new InvalidDataException($"{listFile}: line {i + 1}: duplicate id '{id}' (also line {seen[id]})");
            ids.Add(id);
        }
        if (ids.Count == 0) throw new InvalidDataException($"{listFile}: lists no image ids");
        _ids = ids.ToArray();
        _images = new string[_ids.Length];
        _masks = new string[_ids.Length];
        var missing = new List<string>();
        int missingCount = 0;
        for (int k = 0; k < _ids.Length; k++)
        {
            var jpg = Path.Combine(Root, "JPEGImages", _ids[k] + ".jpg");
            var png = Path.Combine(Root, "JPEGImages", _ids[k] + ".png");
            _images[k] = File.Exists(jpg) ? jpg : png;
            _masks[k] = Path.Combine(Root, maskFolder, _ids[k] + ".png");
            foreach (var (path, what) in new[] { (_images[k], $"JPEGImages/{_ids[k]}.jpg|.png"), (_masks[k], $"{maskFolder}/{_ids[k]}.png") })
            {
                if (File.Exists(path)) continue;
                missingCount++;
                if (missing.Count < MissingFilesListed) missing.Add(what);
            }
        }
        if (missingCount > 0)
            throw new InvalidDataException($"{listFile}: {missingCount} files missing under {Root}, first: {string.Join(", ", missing)}");
    }

    VocSegmentationDataset(VocSegmentationDataset source, string name, int[] keep)
    {
        Root = source.Root;
        ImageSet = name;
        Encoding = source.Encoding;
        _cache = source._cache;
        _ids = keep.Select(k => source._ids[k]).ToArray();
        _images = keep.Select(k => source._images[k]).ToArray();
        _masks = keep.Select(k => source._masks[k]).ToArray();
    }

    /// <summary>The images whose ids <paramref name="keep"/> accepts, in this set's order, as a set named
    /// <paramref name="name"/> (e.g. a minival held out of train).</summary>
    public VocSegmentationDataset Where(Func<string, bool> keep, string name) =>
        new(this, name, Enumerable.Range(0, _ids.Length).Where(k => keep(_ids[k])).ToArray());

    public string Root { get; }
    public string ImageSet { get; }
    public VocMaskEncoding Encoding { get; }
    public IReadOnlyList<string> Ids => _ids;
    public int Count => _ids.Length;
    public string ImagePath(int index) => _images[index];
    public string MaskPath(int index) => _masks[index];

    public LabelledImage Get(int index)
    {
        if ((uint)index >= (uint)_ids.Length) throw new ArgumentOutOfRangeException(nameof(index), index, $"image set has {Count} images");
        var image = _cache != null ? _cache.Load(_images[index]) : ImageIO.Load(_images[index]);
        var maskRgb = ImageIO.Load(_masks[index]);
        if (maskRgb.Width != image.Width || maskRgb.Height != image.Height)
            throw new InvalidDataException($"{_masks[index]}: mask is {maskRgb.Width}x{maskRgb.Height} but image {_images[index]} is {image.Width}x{image.Height}");
        return new LabelledImage { ImageId = index, Image = image, Mask = DecodeMask(maskRgb, _masks[index], Encoding) };
    }

    /// <summary>Class indices of a decoded mask image; a colour outside the encoding is an error naming file and pixel.</summary>
    public static byte[] DecodeMask(RgbImage mask, string pathForErrors, VocMaskEncoding encoding = VocMaskEncoding.Palette)
    {
        var px = mask.Pixels;
        var result = new byte[mask.Width * mask.Height];
        int lastRgb = -1;
        byte lastIndex = 0;
        for (int i = 0; i < result.Length; i++)
        {
            byte r = px[3 * i], g = px[3 * i + 1], b = px[3 * i + 2];
            if (encoding == VocMaskEncoding.Index)
            {
                if (r != g || g != b) throw BadPixel(pathForErrors, mask, i, r, g, b, "is not grey (index masks store the class in all channels)");
                result[i] = r;
                continue;
            }
            int rgb = (r << 16) | (g << 8) | b;
            if (rgb != lastRgb) // masks are mostly runs of one colour
            {
                if (!VocPalette.TryIndex(r, g, b, out lastIndex)) throw BadPixel(pathForErrors, mask, i, r, g, b, "is not in the VOC palette");
                lastRgb = rgb;
            }
            result[i] = lastIndex;
        }
        return result;
    }

    static InvalidDataException BadPixel(string path, RgbImage mask, int i, byte r, byte g, byte b, string why) =>
        new($"{path}: pixel (x={i % mask.Width}, y={i / mask.Width}) has colour ({r}, {g}, {b}), which {why}");
}
