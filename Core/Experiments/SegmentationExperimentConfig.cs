using System.Text.Json.Serialization;
using Repro.Core.Augment;
using Repro.Core.Data.Voc;
using Repro.Core.Models.Segmentation;
using Repro.Core.Training;

namespace Repro.Core.Experiments;

/// <summary>Where a segmentation run's data live (VOC layout: the miniature's segmentation/VOC2012 or VOC2012 itself).</summary>
public sealed record SegmentationDataConfig
{
    public string VocRoot { get; init; } = "";
    /// <summary>Human-labelled training images: "train" (VOC's 1.5k role) or "trainaug" (train + aug, ~10.6k).</summary>
    public string TrainSet { get; init; } = "train";
    public string ValSet { get; init; } = "val";
    /// <summary>Folder of the human masks: SegmentationClass (palette) or, for VOC's SBD-augmented set,
    /// SegmentationClassAug with <see cref="VocMaskEncoding.Index"/>.</summary>
    public string MaskFolder { get; init; } = "SegmentationClass";
    public VocMaskEncoding Encoding { get; init; } = VocMaskEncoding.Palette;
    /// <summary>Decoded-image cache budget (the miniature's 64 px images fit whole).</summary>
    [ExecutionOnly]
    public long ImageCacheBytes { get; init; } = 512L << 20;
    /// <summary>Share of the <c>train</c> image set held out as a minival (also out of <c>trainaug</c>, which contains
    /// train), on which the run is also scored so that a schedule can be selected without the val set; 0: none.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public double MinivalShare { get; init; }

    /// <summary>The image set a minival is carved from.</summary>
    public const string MinivalSource = "train";

    /// <summary>This data with a minival of <paramref name="share"/> held out of train (for F#).</summary>
    public SegmentationDataConfig WithMinival(double share) => this with { MinivalShare = share };

    public void Validate()
    {
        foreach (var (name, value) in new[] { ("VocRoot", VocRoot), ("TrainSet", TrainSet), ("ValSet", ValSet), ("MaskFolder", MaskFolder) })
            if (string.IsNullOrWhiteSpace(value)) throw new ArgumentException($"SegmentationDataConfig.{name} is empty", name);
        if (!Enum.IsDefined(Encoding)) throw new ArgumentException($"SegmentationDataConfig.Encoding has unknown value {(int)Encoding}", nameof(Encoding));
        if (!(MinivalShare >= 0 && MinivalShare <= 0.5)) throw new ArgumentException($"SegmentationDataConfig.MinivalShare must be in [0, 0.5], got {MinivalShare}", nameof(MinivalShare));
        if (ImageCacheBytes < 0) throw new ArgumentException($"SegmentationDataConfig.ImageCacheBytes must be >= 0, got {ImageCacheBytes}", nameof(ImageCacheBytes));
    }
}

/// <summary>
/// Everything a segmentation run depends on: a run is a pure function of this config (its seed included). Supervised
/// when <see cref="PseudoMasksRoot"/> is null; otherwise a self-training student, trained either jointly on human
/// and pseudo batches (loss mixed by the paper's loss normalization) or, with <see cref="ReplaceHumanWithPseudo"/>,
/// on one stream in which the pseudo-labelled images replace their human masks ("human vs pseudo labels on the aug set").
/// </summary>
public sealed record SegmentationExperimentConfig
{
    public SegmentationDataConfig Data { get; init; } = new();
    public SegmentationModelConfig Model { get; init; } = SegmentationModelConfig.Miniature();
    /// <summary>Crop, flip and scale jitter (masks follow); S1 is the paper's segmentation default.</summary>
    public AugmentConfig Augment { get; init; } = AugmentConfig.S1(64);
    public TrainerOptions Trainer { get; init; } = new();
    /// <summary>Human-labelled images per step.</summary>
    public int BatchSize { get; init; } = 16;
    [ExecutionOnly]
    public int EvalBatchSize { get; init; } = 32;
    public long Seed { get; init; }
    /// <summary>Pre-trained backbone weights (a state dict whose keys start with "backbone."), or null for Rand Init.</summary>
    public string? BackboneWeights { get; init; }
    /// <summary>The whole model's weights to start from (a student starts from its teacher, the paper's method), loaded
    /// after <see cref="BackboneWeights"/>. Left out of the JSON when null, so supervised configs keep their names.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? InitialWeights { get; init; }

    // ---- self-training (the student); null = supervised ----
    /// <summary>A root written by <see cref="Regimes.Segmentation.SegmentationPseudoLabeling"/> (VOC layout, 255 = ignore).</summary>
    public string? PseudoMasksRoot { get; init; }
    /// <summary>Image set of <see cref="PseudoMasksRoot"/> to train on.</summary>
    public string PseudoSet { get; init; } = "pseudo";
    /// <summary>Pseudo-labelled images per step in joint training; 0 = same as <see cref="BatchSize"/> (half human, half pseudo).</summary>
    public int PseudoBatchSize { get; init; }
    /// <summary>Joint training: L̂ = 1/(1+α)·(L_h + α·(L̄_h/L̄_p)·L_p) when true, the ablation L_h + α·L_p when false
    /// (<see cref="Regimes.SelfTraining.LossNormalizer"/>).</summary>
    public bool LossNormalization { get; init; } = true;
    public double Alpha { get; init; } = 1.0;
    /// <summary>Time constant τ (steps) of the running losses L̄_h, L̄_p: decay 1 − 1/τ per step.</summary>
    public double LossNormalizationTimeConstant { get; init; } = 100;
    /// <summary>Train one stream: the <see cref="SegmentationDataConfig.TrainSet"/> images that are not in the pseudo
    /// set (human masks) plus the pseudo set (pseudo masks), plain cross-entropy, no mixing.</summary>
    public bool ReplaceHumanWithPseudo { get; init; }

    public bool IsSelfTraining => PseudoMasksRoot != null;

    /// <summary>This config as a student on a pseudo-label root (for callers without C# `with`, e.g. F#).</summary>
    public SegmentationExperimentConfig WithPseudo(string root, string set = "pseudo") => this with { PseudoMasksRoot = root, PseudoSet = set };

    /// <summary>This config as a self-training student: human batches plus <paramref name="pseudoBatchSize"/> pseudo-labelled
    /// images per step from <paramref name="root"/>/<paramref name="set"/>, with or without loss normalization.</summary>
    public SegmentationExperimentConfig AsStudent(string root, string set, int pseudoBatchSize, bool lossNormalization) =>
        this with { PseudoMasksRoot = root, PseudoSet = set, PseudoBatchSize = pseudoBatchSize, LossNormalization = lossNormalization };

    /// <summary>This config starting from a whole model's weights, e.g. its teacher's (for callers without C# `with`).</summary>
    public SegmentationExperimentConfig StartingFrom(string weights) => this with { InitialWeights = weights };

    /// <summary>This config with the loss normalization's α and running-mean time constant.</summary>
    public SegmentationExperimentConfig WithLossNormalization(double alpha, double timeConstant) =>
        this with { Alpha = alpha, LossNormalizationTimeConstant = timeConstant };

    public void Validate()
    {
        const string p = "SegmentationExperimentConfig.";
        if (Data == null || Model == null || Augment == null || Trainer == null)
            throw new ArgumentException($"{p}Data, Model, Augment and Trainer must not be null");
        Data.Validate();
        Model.Validate();
        Augment.Validate();
        Trainer.Validate();
        if (BatchSize <= 0) throw new ArgumentException($"{p}BatchSize must be positive, got {BatchSize}", nameof(BatchSize));
        if (EvalBatchSize <= 0) throw new ArgumentException($"{p}EvalBatchSize must be positive, got {EvalBatchSize}", nameof(EvalBatchSize));
        if (Augment.OutputSize != Model.InputSize)
            throw new ArgumentException($"{p}Augment.OutputSize {Augment.OutputSize} differs from Model.InputSize {Model.InputSize}", nameof(Augment));
        if (BackboneWeights != null && !File.Exists(BackboneWeights))
            throw new ArgumentException($"{p}BackboneWeights: file not found: {BackboneWeights}", nameof(BackboneWeights));
        if (InitialWeights != null && !File.Exists(InitialWeights))
            throw new ArgumentException($"{p}InitialWeights: file not found: {InitialWeights}", nameof(InitialWeights));
        if (PseudoMasksRoot != null && !Directory.Exists(PseudoMasksRoot))
            throw new ArgumentException($"{p}PseudoMasksRoot: folder not found: {PseudoMasksRoot}", nameof(PseudoMasksRoot));
        if (string.IsNullOrWhiteSpace(PseudoSet)) throw new ArgumentException($"{p}PseudoSet is empty", nameof(PseudoSet));
        if (PseudoBatchSize < 0) throw new ArgumentException($"{p}PseudoBatchSize must be >= 0 (0 = BatchSize), got {PseudoBatchSize}", nameof(PseudoBatchSize));
        if (!(Alpha >= 0) || double.IsInfinity(Alpha)) throw new ArgumentException($"{p}Alpha must be a non-negative number, got {Alpha}", nameof(Alpha));
        Regimes.SelfTraining.LossNormalizer.CheckTimeConstant(LossNormalizationTimeConstant, $"{p}{nameof(LossNormalizationTimeConstant)}");
        if (ReplaceHumanWithPseudo && PseudoMasksRoot == null)
            throw new ArgumentException($"{p}ReplaceHumanWithPseudo needs PseudoMasksRoot", nameof(ReplaceHumanWithPseudo));
        if (ReplaceHumanWithPseudo && PseudoBatchSize != 0)
            throw new ArgumentException($"{p}PseudoBatchSize is for joint training; with ReplaceHumanWithPseudo there is one stream of BatchSize images (set it to 0)", nameof(PseudoBatchSize));
    }
}
