using System.Text.Json.Serialization;
using Repro.Core.Augment.Classification;
using Repro.Core.Models.Backbones;
using Repro.Core.Regimes.Pretraining;
using Repro.Core.Training;

namespace Repro.Core.Experiments;

/// <summary>How the detector's backbone is pre-trained (the grid's Init axis; Rand Init needs no pre-training run).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<PretrainingMethod>))]
public enum PretrainingMethod
{
    /// <summary>ImageNet Init: supervised classification on the labelled pool.</summary>
    Supervised,
    /// <summary>ImageNet++ Init: Noisy Student (teacher on labels → pseudo labels on an unlabeled pool → noised student).</summary>
    NoisyStudent,
    /// <summary>SimCLR: contrastive self-supervised pre-training; labels unused (except by the linear probe).</summary>
    SimClr,
}

/// <summary>Where the classification ("ImageNet") data lives: folder per class, train/ and val/, and an unlabeled pool.</summary>
public sealed record ClassificationDataConfig
{
    /// <summary>Labelled train split, root/&lt;class&gt;/images (see <see cref="Data.ImageFolder.ImageFolderDataset"/>).</summary>
    public string TrainRoot { get; init; } = "";
    /// <summary>Labelled val split with the same class folders.</summary>
    public string ValRoot { get; init; } = "";
    /// <summary>Images Noisy Student pseudo-labels (searched recursively); required by that method only.</summary>
    public string? UnlabeledRoot { get; init; }
    /// <summary>Decoded-image cache budget (the miniature's 64 px pool fits whole).</summary>
    [ExecutionOnly]
    public long ImageCacheBytes { get; init; } = 512L << 20;

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(TrainRoot)) throw new ArgumentException("ClassificationDataConfig.TrainRoot is empty", nameof(TrainRoot));
        if (string.IsNullOrWhiteSpace(ValRoot)) throw new ArgumentException("ClassificationDataConfig.ValRoot is empty", nameof(ValRoot));
        if (UnlabeledRoot != null && string.IsNullOrWhiteSpace(UnlabeledRoot))
            throw new ArgumentException("ClassificationDataConfig.UnlabeledRoot is blank (use null for none)", nameof(UnlabeledRoot));
        if (ImageCacheBytes < 0) throw new ArgumentException($"ClassificationDataConfig.ImageCacheBytes must be >= 0, got {ImageCacheBytes}", nameof(ImageCacheBytes));
    }
}

/// <summary>
/// Everything a pre-training run depends on (a run is a pure function of it, seed included). The backbone must be the
/// detector's (<see cref="BackboneConfig.ResNetMini"/> in the miniature) so the artifact loads into RetinaNet by name.
/// What only one method uses lives in that method's record (<see cref="Method"/>), so it never names another's runs.
/// </summary>
public sealed record PretrainingConfig
{
    public PretrainingMethodConfig Method { get; init; } = new SupervisedPretraining();
    public ClassificationDataConfig Data { get; init; } = new();
    public BackboneConfig Backbone { get; init; } = BackboneConfig.ResNetMini;
    /// <summary>Side of the square training images (the miniature's classification pool and detector are 64 px).</summary>
    public int ImageSize { get; init; } = 64;
    /// <summary>Crop/flip/policy augmentation; null = the method's default (<see cref="EffectiveAugment"/>).</summary>
    public ClassificationAugmentConfig? Augment { get; init; }
    public TrainerOptions Trainer { get; init; } = new();
    public int BatchSize { get; init; } = 64;
    /// <summary>Images per forward pass in evaluation, feature extraction and pseudo-labelling.</summary>
    [ExecutionOnly]
    public int EvalBatchSize { get; init; } = 256;
    public long Seed { get; init; }
    /// <summary>Label smoothing ε of the classification losses (hard labels, hard pseudo labels).</summary>
    public double LabelSmoothing { get; init; } = 0.1;

    /// <summary>Evaluation of every method: a linear probe on frozen pooled backbone features.</summary>
    public LinearProbeOptions Probe { get; init; } = new();

    /// <summary>Which method <see cref="Method"/> is.</summary>
    [JsonIgnore]
    public PretrainingMethod Kind => Method switch
    {
        SupervisedPretraining => PretrainingMethod.Supervised,
        NoisyStudentPretraining => PretrainingMethod.NoisyStudent,
        SimClrPretraining => PretrainingMethod.SimClr,
        _ => throw new ArgumentException($"PretrainingConfig.Method: unknown method record {Method?.GetType().Name ?? "null"}", nameof(Method)),
    };

    /// <summary>
    /// The augmentation actually used: <see cref="Augment"/> when set, else the method's default at <see cref="ImageSize"/> —
    /// Supervised / Noisy Student teacher: random-resized crop (area 0.25–1) + flip + AutoAugment's ImageNet policy (the
    /// paper's ImageNet checkpoint was trained with AutoAugment); SimCLR: crop (area 0.2–1) + flip, no policy (its
    /// colour distortions are <see cref="SimClrPretraining.Views"/>). The Noisy Student student uses <see cref="StudentAugment"/>.
    /// </summary>
    public ClassificationAugmentConfig EffectiveAugment() => Augment ?? (Method is SimClrPretraining
        ? new ClassificationAugmentConfig { OutputSize = ImageSize, AreaMin = 0.2, Policy = ClassificationPolicy.None }
        : new ClassificationAugmentConfig { OutputSize = ImageSize, AreaMin = 0.25, Policy = ClassificationPolicy.AutoAugmentImageNet });

    /// <summary>The Noisy Student student's input noise: <see cref="EffectiveAugment"/> with RandAugment
    /// (<see cref="NoisyStudentPretraining.StudentRandAugmentLayers"/>, <see cref="NoisyStudentPretraining.StudentRandAugmentMagnitude"/>) as its policy.</summary>
    public ClassificationAugmentConfig StudentAugment(NoisyStudentPretraining ns) => EffectiveAugment() with
    {
        Policy = ClassificationPolicy.RandAugment, RandAugmentLayers = ns.StudentRandAugmentLayers, RandAugmentMagnitude = ns.StudentRandAugmentMagnitude,
    };

    /// <summary>This config with another seed (for callers without C# `with`, e.g. F#).</summary>
    public PretrainingConfig WithSeed(long seed) => this with { Seed = seed };

    /// <summary>This config with another method.</summary>
    public PretrainingConfig WithMethod(PretrainingMethodConfig method) => this with { Method = method };

    /// <summary>This config with another step count (the trainer's other options kept).</summary>
    public PretrainingConfig WithTotalSteps(long steps) => this with { Trainer = Trainer with { TotalSteps = steps } };

    /// <summary>Checks every field; <see cref="ArgumentException"/> naming the first bad one.</summary>
    public void Validate()
    {
        static void Require(bool ok, string field, string why)
        {
            if (!ok) throw new ArgumentException($"PretrainingConfig.{field}: {why}", field);
        }
        Require(Method != null, nameof(Method), "must not be null");
        _ = Kind;
        Require(Data != null, nameof(Data), "must not be null");
        Data!.Validate();
        Require(Backbone != null, nameof(Backbone), "must not be null");
        Require(Trainer != null, nameof(Trainer), "must not be null");
        Trainer!.Validate();
        Require(ImageSize is >= 16 and <= 1024, nameof(ImageSize), $"must be in 16..1024, got {ImageSize}");
        var augment = EffectiveAugment();
        augment.Validate();
        Require(augment.OutputSize == ImageSize, nameof(Augment), $"Augment.OutputSize {augment.OutputSize} differs from ImageSize {ImageSize}");
        Require(BatchSize >= (Kind == PretrainingMethod.Supervised ? 1 : 2), nameof(BatchSize),
                $"must be positive (SimCLR: >= 2, for negatives; Noisy Student: >= 2, labelled + pseudo images per batch), got {BatchSize}");
        Require(EvalBatchSize > 0, nameof(EvalBatchSize), $"must be positive, got {EvalBatchSize}");
        Require(LabelSmoothing >= 0 && LabelSmoothing < 1, nameof(LabelSmoothing), $"must be in [0, 1), got {LabelSmoothing}");
        Require(Probe != null, nameof(Probe), "must not be null");
        Probe!.Validate();
        if (Method is NoisyStudentPretraining)
            Require(Data.UnlabeledRoot != null, "Data.UnlabeledRoot", "Noisy Student needs an unlabeled image folder");
        Method!.Validate($"PretrainingConfig.{nameof(Method)}.");
    }
}
