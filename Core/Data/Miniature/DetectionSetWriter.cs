using Repro.Core.Data.Coco;
using Repro.Core.Data.Images;

namespace Repro.Core.Data.Miniature;

/// <summary>Writes detection-like scenes as PNGs plus a COCO instances file: the detection train/val splits
/// (COCO's role) and, with other paths, the unlabeled pool's images and hidden labels.</summary>
public static class DetectionSetWriter
{
    /// <summary>Generates <paramref name="count"/> scenes of <paramref name="stream"/> into
    /// <paramref name="imagesDir"/> (file names from <paramref name="fileName"/>(index)) and writes their
    /// annotations to <paramref name="annotationsPath"/>.</summary>
    public static void Write(SceneGenerator generator, MiniatureStream stream, int count, string imagesDir,
                             Func<int, string> fileName, string annotationsPath, IProgress<MiniatureProgress>? progress)
    {
        Directory.CreateDirectory(imagesDir);
        var items = ParallelItems.Map(count, stream.ToString(), progress, i =>
        {
            var scene = generator.DetectionScene(stream, i);
            string name = fileName(i);
            File.WriteAllBytes(Path.Combine(imagesDir, name), ImageIO.EncodePng(scene.Image));
            var image = new CocoImage { FileName = name, Width = scene.Image.Width, Height = scene.Image.Height };
            return (image, CocoSceneAnnotations.Of(scene));
        });
        CocoSceneAnnotations.Write(CocoSceneAnnotations.Build(items, $"miniature {stream}"), annotationsPath);
    }

    /// <summary>The detection train and val splits (COCO train2017 / val2017 roles).</summary>
    public static void WriteSplits(SceneGenerator generator, MiniatureConfig config, string root, IProgress<MiniatureProgress>? progress)
    {
        Write(generator, MiniatureStream.DetectionTrain, config.DetectionTrainCount, Path.Combine(root, MiniatureLayout.DetectionTrainImages),
              i => MiniatureLayout.DetectionFileName(i + 1), Path.Combine(root, MiniatureLayout.DetectionTrainAnnotations), progress);
        Write(generator, MiniatureStream.DetectionVal, config.DetectionValCount, Path.Combine(root, MiniatureLayout.DetectionValImages),
              i => MiniatureLayout.DetectionFileName(i + 1), Path.Combine(root, MiniatureLayout.DetectionValAnnotations), progress);
    }
}
