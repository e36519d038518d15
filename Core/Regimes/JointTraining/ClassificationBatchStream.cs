using Repro.Core.Augment.Classification;
using Repro.Core.Data;
using Repro.Core.Data.Batching;
using Repro.Core.Data.ImageFolder;
using Repro.Core.Data.Loading;
using static TorchSharp.torch;

namespace Repro.Core.Regimes.JointTraining;

/// <summary>A classification batch: images [B, 3, S, S] (normalised) and class indices [B] int64. Dispose when done.</summary>
public sealed class ClassificationBatch(Tensor images, Tensor labels, long[] sampleIndices) : IDisposable
{
    public Tensor Images { get; } = images;
    public Tensor Labels { get; } = labels;
    /// <summary>Indices of the samples in the data set, in batch order.</summary>
    public IReadOnlyList<long> SampleIndices { get; } = sampleIndices;
    public int BatchSize => sampleIndices.Length;

    public void Dispose()
    {
        Images.Dispose();
        Labels.Dispose();
    }
}

/// <summary>
/// Classification batches by global step over a folder-per-class data set, with the classification augmentation
/// (random-resized crop to the output size, flip, optional policy). Batch k is a pure function of (data, seed,
/// augmentation, k): the order comes from <see cref="EpochBatchSampler"/> and each image's augmentation from
/// (seed, epoch, sample index), prepared ahead on background tasks by a <see cref="DetectionLoader"/>.
/// </summary>
public sealed class ClassificationBatchStream
{
    readonly ImageFolderDataset _data;
    readonly DetectionLoader _loader;

    public ClassificationBatchStream(ImageFolderDataset data, ClassificationAugmentConfig augment, int batchSize, long seed)
    {
        _data = data ?? throw new ArgumentNullException(nameof(data));
        ArgumentNullException.ThrowIfNull(augment);
        var pipeline = ClassificationAugmentPipeline.FromConfig(augment);
        // The sample's label stays with the data set (looked up by index): the collator wants one label per box.
        _loader = new DetectionLoader(data,
            new LoaderOptions
            {
                BatchSize = batchSize,
                Seed = unchecked((int)seed),
                Collate = new CollateOptions { FixedHeight = augment.OutputSize, FixedWidth = augment.OutputSize },
            },
            (sample, epoch) => new LabelledImage { ImageId = sample.ImageId, Image = pipeline.Apply(sample.Image, seed, epoch, sample.ImageId) });
    }

    public int BatchSize => _loader.Options.BatchSize;

    /// <summary>The batch of <paramref name="step"/>, computed now on the calling thread.</summary>
    public ClassificationBatch BatchAt(long step) => ToClassification(_loader.BatchAt(step));

    /// <summary>Batches of steps startStep, startStep+1, … (endStep exclusive; null = endless), prefetched.</summary>
    public IEnumerable<ClassificationBatch> Stream(long startStep = 0, long? endStep = null)
    {
        foreach (var batch in _loader.Stream(startStep, endStep)) yield return ToClassification(batch);
    }

    ClassificationBatch ToClassification(DetectionBatch batch)
    {
        var ids = batch.ImageIds.ToArray();   // ImageFolderDataset: image id = sample index
        var labels = ids.Select(i => (long)_data.LabelOf(checked((int)i))).ToArray();
        var images = batch.Images;
        foreach (var t in batch.Boxes) t.Dispose();
        foreach (var t in batch.Labels) t.Dispose();
        return new ClassificationBatch(images, tensor(labels), ids);
    }
}
