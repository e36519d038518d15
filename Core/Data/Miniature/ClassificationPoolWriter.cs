using Repro.Core.Data.Images;

namespace Repro.Core.Data.Miniature;

/// <summary>The labelled classification pool (ImageNet's role for supervised pre-training), as folder-per-class
/// trees <c>classification/{train,val}/&lt;class&gt;/*.png</c>.</summary>
public static class ClassificationPoolWriter
{
    public static void Write(SceneGenerator generator, MiniatureConfig config, string root, IProgress<MiniatureProgress>? progress)
    {
        WriteSplit(generator, MiniatureStream.ClassificationTrain, config.ClassificationTrainPerClass, Path.Combine(root, MiniatureLayout.ClassificationTrain), progress);
        WriteSplit(generator, MiniatureStream.ClassificationVal, config.ClassificationValPerClass, Path.Combine(root, MiniatureLayout.ClassificationVal), progress);
    }

    static void WriteSplit(SceneGenerator generator, MiniatureStream stream, int perClass, string dir, IProgress<MiniatureProgress>? progress)
    {
        var classes = ShapeCatalog.ClassificationClasses;
        foreach (var c in classes) Directory.CreateDirectory(Path.Combine(dir, c.Name));
        ParallelItems.Map(classes.Count * perClass, stream.ToString(), progress, i =>
        {
            int cls = i / perClass, index = i % perClass;
            var scene = generator.ClassificationScene(stream, cls, index);
            string name = classes[cls].Name;
            File.WriteAllBytes(Path.Combine(dir, name, MiniatureLayout.ClassificationFileName(name, index)), ImageIO.EncodePng(scene.Image));
            return 0;
        });
    }
}
