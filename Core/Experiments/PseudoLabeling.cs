using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Repro.Core.Data;
using Repro.Core.Data.Coco;
using Repro.Core.Data.ImageFolder;
using Repro.Core.Models.Detection;
using Repro.Core.Native;
using Repro.Core.Regimes.SelfTraining;
using Repro.Core.Training;
using TorchSharp;

namespace Repro.Core.Experiments;

/// <summary>What a pseudo-labelling pass wrote: the COCO file, the folder its file names are relative to, its statistics.</summary>
public sealed record PseudoLabelResult
{
    /// <summary><c>pseudo_labels.json</c> (see <see cref="PseudoLabelFile"/>).</summary>
    public required string AnnotationsPath { get; init; }
    /// <summary>The unlabeled folder (absolute); the file's file_name entries are relative to it.</summary>
    public required string ImagesRoot { get; init; }
    public required PseudoLabelStatistics Statistics { get; init; }
    /// <summary><c>pseudo_label_stats.json</c>.</summary>
    public required string StatisticsPath { get; init; }
    public required string ConfigHash { get; init; }
    /// <summary>False when an earlier pass with the same config hash was found and reused.</summary>
    public required bool Computed { get; init; }
    /// <summary>The pseudo boxes against the pool's true boxes, where those were given; null otherwise.</summary>
    public PseudoLabelQuality? Quality { get; init; }

    /// <summary>What the pass measured: counts, boxes per image, the mean kept score and, with
    /// <see cref="Quality"/>, precision, recall and AP50 (IoU 0.5) against the true boxes, in percent.</summary>
    public IReadOnlyDictionary<string, double> Metrics
    {
        get
        {
            var m = new Dictionary<string, double>
            {
                ["images"] = Statistics.Images, ["boxes"] = Statistics.Boxes, ["boxes_per_image"] = Statistics.BoxesPerImage,
                ["images_with_boxes"] = Statistics.ImagesWithBoxes, ["mean_score_kept"] = Statistics.MeanScoreKept,
            };
            if (Quality is { } q)
            {
                m["precision"] = q.Precision * 100;
                m["recall"] = q.Recall * 100;
                m["ap50_vs_hidden"] = q.AP50 * 100;
            }
            return m;
        }
    }
}

/// <summary>
/// Self-training step 2: the teacher labels the unlabeled pool. Each image goes through the teacher as in evaluation
/// (<see cref="DetectorInference"/>: resized to the input size, <see cref="RetinaNet.Detect"/> with its
/// post-processing and NMS); then, per image, detections with score ≥ the threshold are kept (at most the cap) as
/// hard boxes (<see cref="PseudoLabeler"/>). Images where nothing passes stay in the file without boxes.
/// </summary>
/// <remarks>
/// Writes <c>pseudo_labels.json</c> then <c>pseudo_label_stats.json</c> (the completion marker) into the output
/// folder, atomically. Resumable: when both exist and carry this config's hash (config, SHA-256 of the teacher
/// weights and categories file, the folder's file list), nothing is recomputed.
/// </remarks>
public static class PseudoLabeling
{
    public const string AnnotationsFileName = "pseudo_labels.json";
    public const string StatisticsFileName = "pseudo_label_stats.json";

    /// <summary>The stats file: the config hash and the statistics.</summary>
    sealed record StatsFile(string ConfigHash, PseudoLabelStatistics Statistics);

    static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <param name="trueBoxes">The pool's true boxes as COCO annotations, where they are known (the miniature
    /// withholds them): the result then says how good the pseudo boxes are. Labelling never reads them, so they are
    /// not part of the config.</param>
    public static PseudoLabelResult Run(PseudoLabelConfig config, string outputDirectory, CancellationToken ct = default, string? trueBoxes = null)
    {
        TorchNativeLoader.EnsureLoaded();
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        var torchDevice = TrainingDevice.Resolve(config.Device);
        Directory.CreateDirectory(outputDirectory);
        var annotationsPath = Path.Combine(outputDirectory, AnnotationsFileName);
        var statsPath = Path.Combine(outputDirectory, StatisticsFileName);

        var folder = new UnlabeledImageFolder(config.UnlabeledImages);
        var relative = folder.RelativePaths;
        var hash = ConfigHash(config, relative);
        PseudoLabelQuality? QualityOf() => trueBoxes is null ? null : PseudoLabelQuality.Measure(annotationsPath, trueBoxes);
        if (TryReuse(annotationsPath, statsPath, hash) is { } done)
            return new PseudoLabelResult
            {
                AnnotationsPath = annotationsPath, ImagesRoot = folder.Root, Statistics = done, StatisticsPath = statsPath,
                ConfigHash = hash, Computed = false, Quality = QualityOf(),
            };

        var categoriesSource = CocoReader.Read(config.CategoriesFrom, options: new CocoReadOptions { RequireAnnotations = false });
        var categories = categoriesSource.Dataset.Categories;
        var map = new CategoryMap(categories);
        if (map.Count != config.Detector.NumClasses)
            throw new ArgumentException(
                $"PseudoLabelConfig.Detector.NumClasses is {config.Detector.NumClasses} but {config.CategoriesFrom} has {map.Count} categories",
                nameof(config));

        using var teacher = new RetinaNet(config.Detector);
        StateDictIO.Load(teacher, config.TeacherWeights);
        teacher.to(torchDevice);
        var inference = DetectorInference.Run(teacher, folder, config.BatchSize, config.Limit, ct: ct);

        double threshold = config.ScoreThreshold + (InjectedRegression.Is(InjectedRegression.PseudoThresholdRaised) ? 0.2 : 0);
        var images = new List<CocoImage>(inference.ImageIds.Count);
        var annotations = new List<PseudoAnnotation>();
        var kept = new List<IReadOnlyList<PseudoBox>>(inference.ImageIds.Count);
        for (int i = 0; i < inference.ImageIds.Count; i++)
        {
            int index = checked((int)inference.ImageIds[i]);   // UnlabeledImageFolder: image id = file index
            long imageId = index + 1L;
            var size = inference.Sizes[i];
            images.Add(new CocoImage { Id = imageId, FileName = relative[index], Width = size.Width, Height = size.Height });
            var boxes = PseudoLabeler.Select(inference.Detections[i], inference.Scales[i], threshold, config.MaxBoxesPerImage, map);
            foreach (var b in boxes) annotations.Add(PseudoLabeler.ToAnnotation(b, annotations.Count + 1L, imageId));
            kept.Add(boxes);
        }
        var names = categories.ToDictionary(c => c.Id, c => c.Name);
        var stats = PseudoLabelStatistics.Compute(inference.Detections, kept, names, config.ScoreThreshold, config.Detector.PostProcess.ScoreThreshold);

        new PseudoLabelFile
        {
            Info = new PseudoLabelInfo
            {
                ConfigHash = hash, TeacherWeights = Path.GetFullPath(config.TeacherWeights), ImagesRoot = folder.Root,
                ScoreThreshold = config.ScoreThreshold, MaxBoxesPerImage = config.MaxBoxesPerImage,
            },
            Images = images, Annotations = annotations, Categories = categories,
        }.Write(annotationsPath);
        AtomicFile.WriteAllText(statsPath, JsonSerializer.Serialize(new StatsFile(hash, stats), Json));
        return new PseudoLabelResult
        {
            AnnotationsPath = annotationsPath, ImagesRoot = folder.Root, Statistics = stats, StatisticsPath = statsPath,
            ConfigHash = hash, Computed = true, Quality = QualityOf(),
        };
    }

    /// <summary>The statistics of a previous pass with the same hash, or null when it must be (re)computed.</summary>
    static PseudoLabelStatistics? TryReuse(string annotationsPath, string statsPath, string hash)
    {
        if (!File.Exists(annotationsPath) || !File.Exists(statsPath)) return null;
        try
        {
            var stats = JsonSerializer.Deserialize<StatsFile>(File.ReadAllText(statsPath), Json);
            if (stats?.ConfigHash != hash || stats.Statistics is null) return null;
            return PseudoLabelFile.Read(annotationsPath).Info.ConfigHash == hash ? stats.Statistics : null;
        }
        catch (Exception e) when (e is JsonException or InvalidDataException)
        {
            return null;   // unreadable leftovers are recomputed and overwritten
        }
    }

    /// <summary>SHA-256 (hex) of the config's identity (<see cref="RunIdentity"/>), the teacher weights' and categories file's SHA-256 and the image
    /// file list. Image contents are not hashed (a folder is expected not to change under a fixed name).</summary>
    public static string ConfigHash(PseudoLabelConfig config, IReadOnlyList<string> relativeImagePaths)
    {
        var text = new StringBuilder();
        text.Append(RunIdentity.TextOf(config)).Append('\n');
        text.Append(FileHash.Sha256(config.TeacherWeights)).Append('\n');
        text.Append(FileHash.Sha256(config.CategoriesFrom)).Append('\n');
        foreach (var p in relativeImagePaths) text.Append(p).Append('\n');
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString()))).ToLowerInvariant();
    }
}
