using Repro.Core.Augment.Geometry;
using Repro.Core.Augment.Policies;
using Repro.Core.Data;

namespace Repro.Core.Augment;

/// <summary>
/// A detection augmentation pipeline: its ops in order (policy, then horizontal flip, then scale jitter + crop/pad,
/// the order of the reference RetinaNet input pipeline). The result is a pure function of (seed, epoch, image id) and
/// the input; the input is never modified, and samples may be augmented concurrently.
/// </summary>
public sealed class AugmentPipeline
{
    public AugmentPipeline(AugmentConfig config, IReadOnlyList<IAugmentOp> ops)
    {
        Config = config; Ops = ops;
    }

    public AugmentConfig Config { get; }
    public IReadOnlyList<IAugmentOp> Ops { get; }

    /// <summary>Builds the pipeline a config describes (validated first).</summary>
    public static AugmentPipeline FromConfig(AugmentConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        if (InjectedRegression.Is(InjectedRegression.AugmentLevelIgnored))
            config = config with { Policy = AugmentPolicy.None, ScaleMin = 0.8, ScaleMax = 1.2 };
        var ops = new List<IAugmentOp>();
        var policyOps = new PolicyOps(config.Magnitudes, config.ImageFill, config.MinBoxSize);
        switch (config.Policy)
        {
            case AugmentPolicy.AutoAugmentV0: ops.Add(AutoAugmentDetection.V0(policyOps)); break;
            case AugmentPolicy.RandAugment: ops.Add(new RandAugmentPolicy(config.RandAugmentLayers, config.RandAugmentMagnitude, policyOps)); break;
        }
        if (config.FlipProbability > 0)
            ops.Add(new RandomApply(new HorizontalFlip(config.ImageFill, LabelledImage.IgnoreLabel, config.MinBoxSize), config.FlipProbability));
        ops.Add(new ScaleJitterCrop(config.OutputSize, config.ScaleMin, config.ScaleMax, config.ImageFill,
                                    LabelledImage.IgnoreLabel, config.MinBoxSize));
        return new AugmentPipeline(config, ops);
    }

    /// <summary>Augments one sample with the stream of (seed, epoch, sample.ImageId).</summary>
    public LabelledImage Apply(LabelledImage sample, long seed, long epoch)
    {
        ArgumentNullException.ThrowIfNull(sample);
        return Apply(sample, AugmentRng.ForSample(seed, epoch, sample.ImageId));
    }

    /// <summary>
    /// Augments a batch, optionally on several threads; element i of the result is exactly
    /// <c>Apply(samples[i], seed, epoch)</c> whatever the parallelism.
    /// </summary>
    public LabelledImage[] ApplyAll(IReadOnlyList<LabelledImage> samples, long seed, long epoch, int maxParallelism = 1)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (maxParallelism < 1) throw new ArgumentOutOfRangeException(nameof(maxParallelism), $"parallelism {maxParallelism} must be >= 1");
        var result = new LabelledImage[samples.Count];
        if (maxParallelism == 1)
            for (int i = 0; i < result.Length; i++) result[i] = Apply(samples[i], seed, epoch);
        else
            Parallel.For(0, result.Length, new ParallelOptions { MaxDegreeOfParallelism = maxParallelism },
                         i => result[i] = Apply(samples[i], seed, epoch));
        return result;
    }

    /// <summary>Augments one sample with a given stream.</summary>
    public LabelledImage Apply(LabelledImage sample, AugmentRng rng)
    {
        CheckSample(sample);
        foreach (var op in Ops) sample = op.Apply(sample, rng);
        return sample;
    }

    /// <summary>Throws <see cref="ArgumentException"/> when labels or mask do not fit the sample.</summary>
    public static void CheckSample(LabelledImage sample)
    {
        if (sample.Labels.Length != sample.Boxes.Length)
            throw new ArgumentException($"sample {sample.ImageId}: {sample.Boxes.Length} boxes but {sample.Labels.Length} labels", nameof(sample));
        if (sample.Mask != null && sample.Mask.Length != sample.Image.Width * sample.Image.Height)
            throw new ArgumentException($"sample {sample.ImageId}: mask has {sample.Mask.Length} pixels, image is {sample.Image.Width}x{sample.Image.Height}", nameof(sample));
    }
}
