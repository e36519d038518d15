using Repro.Core.Data.Images;
using Repro.Core.Data.Voc;

namespace Repro.Core.Data.Miniature;

/// <summary>
/// The segmentation set (PASCAL VOC 2012's role) in VOC layout: images, SegmentationClass PNGs coloured with
/// <see cref="VocPalette"/> (0 = background, k = k-th detection shape, 255 = 1-px boundary band to ignore), and the
/// image sets train.txt ⊂ trainaug.txt (VOC's 1.5k train and 10.6k train+aug roles) and val.txt.
/// </summary>
public static class SegmentationSetWriter
{
    public static void Write(SceneGenerator generator, MiniatureConfig config, string root, IProgress<MiniatureProgress>? progress)
    {
        var images = Path.Combine(root, MiniatureLayout.VocImages);
        var labels = Path.Combine(root, MiniatureLayout.VocLabels);
        var sets = Path.Combine(root, MiniatureLayout.VocImageSets);
        foreach (var d in new[] { images, labels, sets }) Directory.CreateDirectory(d);
        var trainAug = WriteStream(generator, MiniatureStream.SegmentationTrainAug, config.SegmentationTrainAugCount, images, labels, progress);
        var val = WriteStream(generator, MiniatureStream.SegmentationVal, config.SegmentationValCount, images, labels, progress);
        WriteList(Path.Combine(sets, "train.txt"), trainAug.Take(config.SegmentationTrainCount));
        WriteList(Path.Combine(sets, "trainaug.txt"), trainAug);
        WriteList(Path.Combine(sets, "val.txt"), val);
    }

    static string[] WriteStream(SceneGenerator generator, MiniatureStream stream, int count, string images, string labels,
                                IProgress<MiniatureProgress>? progress) =>
        ParallelItems.Map(count, stream.ToString(), progress, i =>
        {
            var scene = generator.DetectionScene(stream, i);
            string id = MiniatureLayout.SegmentationId(stream, i);
            File.WriteAllBytes(Path.Combine(images, id + ".png"), ImageIO.EncodePng(scene.Image));
            File.WriteAllBytes(Path.Combine(labels, id + ".png"), ImageIO.EncodePng(Colourise(scene.LabelMap(ignoreBoundaries: true), scene.Image.Width, scene.Image.Height)));
            return id;
        });

    /// <summary>The label map as an RGB image in VOC palette colours.</summary>
    public static RgbImage Colourise(byte[] labelMap, int width, int height)
    {
        var img = new RgbImage(width, height);
        for (int i = 0; i < labelMap.Length; i++)
        {
            var (r, g, b) = VocPalette.Color(labelMap[i]);
            img.Pixels[3 * i] = r; img.Pixels[3 * i + 1] = g; img.Pixels[3 * i + 2] = b;
        }
        return img;
    }

    static void WriteList(string path, IEnumerable<string> ids) => File.WriteAllText(path, string.Concat(ids.Select(id => id + "\n")));
}
