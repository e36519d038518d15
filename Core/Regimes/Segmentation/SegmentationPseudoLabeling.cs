using System.Text.Json;
using Repro.Core.Data;
using Repro.Core.Data.ImageFolder;
using Repro.Core.Data.Images;
using Repro.Core.Data.Miniature;
using Repro.Core.Data.Voc;
using Repro.Core.Evaluation.Segmentation;
using Repro.Core.Models.Segmentation;
using Repro.Core.Native;
using Repro.Core.Training;
using TorchSharp;

namespace Repro.Core.Regimes.Segmentation;

/// <summary>
/// Step 2 of self-training for segmentation: a trained teacher labels images with per-pixel hard labels, low-confidence
/// pixels ignored (<see cref="PseudoMaskRule"/>). The output folder is a VOC-layout root the student reads like any
/// VOC set: <c>JPEGImages/&lt;id&gt;.png|.jpg</c> (copies of the labelled images), <c>SegmentationClass/&lt;id&gt;.png</c>
/// (VOC palette colours, 255 = ignore), <c>ImageSets/Segmentation/&lt;SetName&gt;.txt</c>, and
/// <c>pseudo_stats.json</c> (<see cref="SegmentationPseudoLabelResult"/>, written last). Re-running with the same
/// config and teacher file returns the existing output.
/// </summary>
public static class SegmentationPseudoLabeling
{
    public static SegmentationPseudoLabelResult Run(SegmentationPseudoLabelConfig config, string outputDirectory, CancellationToken ct = default)
    {
        TorchNativeLoader.EnsureLoaded();
        ArgumentNullException.ThrowIfNull(config);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputDirectory);
        config.Validate();
        var root = Path.GetFullPath(outputDirectory);
        var configJson = RunIdentity.TextOf(config);
        var teacherHash = FileHash.Sha256(config.TeacherWeights);
        if (TryReuse(root, configJson, teacherHash, config.SetName) is { } done) return done;

        var (source, ids, imagePaths, maskPaths) = OpenSource(config);
        using var model = new SegmentationModel(config.Model);
        StateDictIO.Load(model, config.TeacherWeights);
        model.to(TrainingDevice.Resolve(config.Device));

        var imagesDir = Path.Combine(root, "JPEGImages");
        var masksDir = Path.Combine(root, "SegmentationClass");
        var setsDir = Path.Combine(root, "ImageSets", "Segmentation");
        foreach (var d in new[] { imagesDir, masksDir, setsDir }) Directory.CreateDirectory(d);

        int c = config.Model.NumClasses;
        long pixels = 0, ignored = 0, humanPixels = 0, humanKept = 0;
        var classPixels = new long[c];
        var kept = new ConfusionMatrix(c);
        var teacher = new ConfusionMatrix(c);
        bool anyHuman = false;
        SegmentationInference.Run(model, source, config.BatchSize, (i, sample, probs) =>
        {
            var (mask, argMax) = PseudoMaskRule.Apply(probs, config.ConfidenceThreshold);
            int w = sample.Image.Width, h = sample.Image.Height;
            ImageIO.SavePng(SegmentationSetWriter.Colourise(mask, w, h), Path.Combine(masksDir, ids[i] + ".png"));
            var src = imagePaths[i];
            AtomicFile.Write(Path.Combine(imagesDir, ids[i] + Path.GetExtension(src).ToLowerInvariant()), tmp => File.Copy(src, tmp));
            pixels += mask.Length;
            foreach (var m in mask)
            {
                if (m == PseudoMaskRule.IgnoreLabel) ignored++;
                else classPixels[m]++;
            }
            if (sample.Mask is { } human)
            {
                anyHuman = true;
                var keptLabels = new byte[human.Length];
                for (int k = 0; k < human.Length; k++)
                {
                    bool labelled = human[k] != PseudoMaskRule.IgnoreLabel;
                    if (labelled) humanPixels++;
                    if (labelled && mask[k] != PseudoMaskRule.IgnoreLabel) humanKept++;
                    keptLabels[k] = mask[k] == PseudoMaskRule.IgnoreLabel ? PseudoMaskRule.IgnoreLabel : human[k];
                }
                try
                {
                    teacher.Add(argMax, human);
                    kept.Add(argMax, keptLabels);
                }
                catch (ArgumentException e)
                {
                    throw new InvalidDataException($"{maskPaths![i]}: {e.Message} (the teacher has {c} classes)", e);
                }
            }
        }, ct);

        AtomicFile.WriteAllText(Path.Combine(setsDir, config.SetName + ".txt"), string.Concat(ids.Select(id => id + "\n")));
        long keptPixels = pixels - ignored;
        SegmentationMetrics? keptMetrics = anyHuman ? kept.Metrics() : null, teacherMetrics = anyHuman ? teacher.Metrics() : null;
        var result = new SegmentationPseudoLabelResult
        {
            Root = root,
            SetName = config.SetName,
            Images = ids.Length,
            Pixels = pixels,
            IgnoredFraction = pixels == 0 ? 0 : (double)ignored / pixels,
            ClassShare = classPixels.Select(n => keptPixels == 0 ? 0 : (double)n / keptPixels).ToArray(),
            PixelAccuracy = Finite(keptMetrics?.PixelAccuracy),
            MeanIou = Finite(keptMetrics?.MeanIou),
            TeacherPixelAccuracy = Finite(teacherMetrics?.PixelAccuracy),
            TeacherMeanIou = Finite(teacherMetrics?.MeanIou),
            HumanPixelCoverage = anyHuman && humanPixels > 0 ? (double)humanKept / humanPixels : null,
            ConfidenceThreshold = config.ConfidenceThreshold,
            ConfigJson = configJson,
            TeacherWeightsHash = teacherHash,
        };
        AtomicFile.WriteAllText(result.StatsPath, JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true }));
        return result;
    }

    static double? Finite(double? x) => x is { } v && double.IsFinite(v) ? v : null;

    static SegmentationPseudoLabelResult? TryReuse(string root, string configJson, string teacherHash, string setName)
    {
        var stats = Path.Combine(root, SegmentationPseudoLabelResult.StatsFileName);
        if (!File.Exists(stats) || !File.Exists(Path.Combine(root, "ImageSets", "Segmentation", setName + ".txt"))) return null;
        try
        {
            var old = JsonSerializer.Deserialize<SegmentationPseudoLabelResult>(File.ReadAllText(stats));
            if (old == null || old.ConfigJson != configJson || old.TeacherWeightsHash != teacherHash) return null;
            return old with { Root = root };
        }
        catch (JsonException) { return null; } // unreadable: label again
    }

    static (ILabelledImageSet Source, string[] Ids, string[] ImagePaths, string[]? MaskPaths) OpenSource(SegmentationPseudoLabelConfig config)
    {
        if (config.UnlabeledImages != null)
        {
            var folder = new UnlabeledImageFolder(config.UnlabeledImages);
            var ids = folder.Paths.Select(Path.GetFileNameWithoutExtension).ToArray();
            var seen = new Dictionary<string, string>(StringComparer.Ordinal);
            for (int i = 0; i < ids.Length; i++)
            {
                if (string.IsNullOrWhiteSpace(ids[i]) || ids[i]!.Any(char.IsWhiteSpace))
                    throw new InvalidDataException($"{folder.Paths[i]}: file name '{ids[i]}' cannot serve as an image id (empty or with spaces)");
                if (!seen.TryAdd(ids[i]!, folder.Paths[i]))
                    throw new InvalidDataException($"{folder.Paths[i]}: id '{ids[i]}' also names {seen[ids[i]!]} (same name, other extension)");
            }
            return (folder, ids!, folder.Paths.ToArray(), null);
        }
        var voc = new VocSegmentationDataset(config.VocRoot, config.ImageSet, null, config.MaskFolder, config.Encoding);
        var exclude = config.ExcludeSet == null
            ? new HashSet<string>()
            : new HashSet<string>(new VocSegmentationDataset(config.VocRoot, config.ExcludeSet, null, config.MaskFolder, config.Encoding).Ids, StringComparer.Ordinal);
        var indices = Enumerable.Range(0, voc.Count).Where(i => !exclude.Contains(voc.Ids[i])).ToArray();
        if (indices.Length == 0)
            throw new InvalidDataException($"{config.VocRoot}: image set '{config.ImageSet}' minus '{config.ExcludeSet}' leaves no image to label");
        return (new DatasetView((voc, indices)), indices.Select(i => voc.Ids[i]).ToArray(),
                indices.Select(voc.ImagePath).ToArray(), indices.Select(voc.MaskPath).ToArray());
    }
}
