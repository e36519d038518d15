using Repro.Core.Data;
using Repro.Core.Data.ImageFolder;
using Repro.Core.Experiments;

namespace Repro.Core.Regimes.Pretraining;

/// <summary>The opened classification data of a pre-training run: labelled train/val splits (same classes), optionally
/// the unlabeled pool, sharing one decoded-image cache.</summary>
public sealed class PretrainingData
{
    public PretrainingData(ImageFolderDataset train, ImageFolderDataset val, UnlabeledImageFolder? unlabeled, ImageCache cache)
    {
        Train = train; Val = val; Unlabeled = unlabeled; Cache = cache;
        if (!train.Classes.SequenceEqual(val.Classes, StringComparer.Ordinal))
            throw new InvalidDataException(
                $"{val.Root}: class folders [{string.Join(", ", val.Classes)}] differ from the train split's {train.Root} [{string.Join(", ", train.Classes)}]");
    }

    public ImageFolderDataset Train { get; }
    public ImageFolderDataset Val { get; }
    public UnlabeledImageFolder? Unlabeled { get; }
    public ImageCache Cache { get; }
    public int NumClasses => Train.Classes.Count;
    public IReadOnlyList<string> Classes => Train.Classes;

    public static PretrainingData Open(ClassificationDataConfig config, bool withUnlabeled)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        var cache = new ImageCache(config.ImageCacheBytes);
        var train = new ImageFolderDataset(config.TrainRoot, cache);
        var val = new ImageFolderDataset(config.ValRoot, cache);
        UnlabeledImageFolder? unlabeled = null;
        if (withUnlabeled)
        {
            if (config.UnlabeledRoot == null) throw new ArgumentException("ClassificationDataConfig.UnlabeledRoot is required here", nameof(config));
            unlabeled = new UnlabeledImageFolder(config.UnlabeledRoot, recursive: true, cache);
        }
        return new PretrainingData(train, val, unlabeled, cache);
    }

    /// <summary>Class index of every image of a labelled split, in dataset order.</summary>
    public static long[] LabelsOf(ImageFolderDataset split) => Enumerable.Range(0, split.Count).Select(i => (long)split.LabelOf(i)).ToArray();
}
