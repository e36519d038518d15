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
/// </summary>
public sealed record PretrainingConfig
{
    public PretrainingMethod Method { get; init; } = PretrainingMethod.Supervised;
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
    /// <summary>Dropout before the classifier's linear layer (Supervised, and the Noisy Student teacher).</summary>
    public double Dropout { get; init; }

    // ---- Noisy Student ----
    /// <summary>Full <see cref="ImageClassifier"/> weights of a trained teacher (e.g. a Supervised run's
    /// classifier.weights, same backbone and classes); null = train the teacher first with the Supervised settings.</summary>
    public string? TeacherClassifierWeights { get; init; }
    /// <summary>Teacher → student iterations; each round's student is the next round's teacher.</summary>
    public int NoisyStudentRounds { get; init; } = 1;
    /// <summary>Soft pseudo labels (the teacher's class distribution) or hard ones (its argmax, smoothed by <see cref="LabelSmoothing"/>).</summary>
    public bool SoftPseudoLabels { get; init; } = true;
    /// <summary>Unlabeled images whose top teacher probability is below this are dropped (0 keeps all).</summary>
    public double PseudoLabelConfidence { get; init; }
    public double StudentDropout { get; init; } = 0.3;
    /// <summary>Maximum drop-path probability of the student's backbone. Only EfficientNet backbones have stochastic
    /// depth; for ResNet it is not applied (the run's metrics report the value applied).</summary>
    public double StudentStochasticDepth { get; init; } = 0.2;
    public int StudentRandAugmentLayers { get; init; } = 2;
    /// <summary>RandAugment magnitude of the student's input noise (0…10; Noisy Student's 27 of 30 ≈ 9).</summary>
    public double StudentRandAugmentMagnitude { get; init; } = 9;
    /// <summary>Share of each student batch drawn from the pseudo-labelled pool (the rest from the labelled pool).</summary>
    public double PseudoBatchFraction { get; init; } = 0.5;

    // ---- SimCLR ----
    public double Temperature { get; init; } = 0.2;
    public int ProjectionDim { get; init; } = 64;
    public int ProjectionHidden { get; init; } = 128;
    /// <summary>SimCLR's colour distortions (crop and flip come from <see cref="EffectiveAugment"/>).</summary>
    public SimClrViewConfig Views { get; init; } = new();

    /// <summary>Evaluation of every method: a linear probe on frozen pooled backbone features.</summary>
    public LinearProbeOptions Probe { get; init; } = new();

    /// <summary>
    /// The augmentation actually used: <see cref="Augment"/> when set, else the method's default at <see cref="ImageSize"/> —
    /// Supervised / Noisy Student teacher: random-resized crop (area 0.25–1) + flip + AutoAugment's ImageNet policy (the
    /// paper's ImageNet checkpoint was trained with AutoAugment); SimCLR: crop (area 0.2–1) + flip, no policy (its
    /// colour distortions are <see cref="Views"/>). The Noisy Student student uses <see cref="StudentAugment"/>.
    /// </summary>
    public ClassificationAugmentConfig EffectiveAugment() => Augment ?? (Method == PretrainingMethod.SimClr
        ? new ClassificationAugmentConfig { OutputSize = ImageSize, AreaMin = 0.2, Policy = ClassificationPolicy.None }
        : new ClassificationAugmentConfig { OutputSize = ImageSize, AreaMin = 0.25, Policy = ClassificationPolicy.AutoAugmentImageNet });

    /// <summary>The Noisy Student student's input noise: <see cref="EffectiveAugment"/> with RandAugment
    /// (<see cref="StudentRandAugmentLayers"/>, <see cref="StudentRandAugmentMagnitude"/>) as its policy.</summary>
    public ClassificationAugmentConfig StudentAugment() => EffectiveAugment() with
    {
        Policy = ClassificationPolicy.RandAugment, RandAugmentLayers = StudentRandAugmentLayers, RandAugmentMagnitude = StudentRandAugmentMagnitude,
    };

    /// <summary>This config with another seed (for callers without C# `with`, e.g. F#).</summary>
    public PretrainingConfig WithSeed(long seed) => this with { Seed = seed };

    /// <summary>This config with another method.</summary>
    public PretrainingConfig WithMethod(PretrainingMethod method) => this with { Method = method };

    /// <summary>This config with another step count (the trainer's other options kept).</summary>
    public PretrainingConfig WithTotalSteps(long steps) => this with { Trainer = Trainer with { TotalSteps = steps } };

    /// <summary>Checks every field; <see cref="ArgumentException"/> naming the first bad one.</summary>
    public void Validate()
    {
        static void Require(bool ok, string field, string why)
        {
            if (!ok) throw new ArgumentException($"PretrainingConfig.{field}: {why}", field);
        }
        Require(Enum.IsDefined(Method), nameof(Method), $"unknown method {(int)Method}");
        Require(Data != null, nameof(Data), "must not be null");
        Data!.Validate();
        Require(Backbone != null, nameof(Backbone), "must not be null");
        Require(Trainer != null, nameof(Trainer), "must not be null");
        Trainer!.Validate();
        Require(ImageSize is >= 16 and <= 1024, nameof(ImageSize), $"must be in 16..1024, got {ImageSize}");
        var augment = EffectiveAugment();
        augment.Validate();
        Require(augment.OutputSize == ImageSize, nameof(Augment), $"Augment.OutputSize {augment.OutputSize} differs from ImageSize {ImageSize}");
        Require(BatchSize >= (Method == PretrainingMethod.SimClr ? 2 : 1), nameof(BatchSize), $"must be positive (SimCLR: >= 2, for negatives), got {BatchSize}");
        Require(EvalBatchSize > 0, nameof(EvalBatchSize), $"must be positive, got {EvalBatchSize}");
        Require(LabelSmoothing >= 0 && LabelSmoothing < 1, nameof(LabelSmoothing), $"must be in [0, 1), got {LabelSmoothing}");
        Require(Dropout >= 0 && Dropout < 1, nameof(Dropout), $"must be in [0, 1), got {Dropout}");
        Require(Probe != null, nameof(Probe), "must not be null");
        Probe!.Validate();
        if (Method == PretrainingMethod.NoisyStudent)
        {
            Require(Data.UnlabeledRoot != null, "Data.UnlabeledRoot", "Noisy Student needs an unlabeled image folder");
            Require(NoisyStudentRounds is >= 1 and <= 10, nameof(NoisyStudentRounds), $"must be in 1..10, got {NoisyStudentRounds}");
            Require(PseudoLabelConfidence >= 0 && PseudoLabelConfidence < 1, nameof(PseudoLabelConfidence), $"must be in [0, 1), got {PseudoLabelConfidence}");
            Require(StudentDropout >= 0 && StudentDropout < 1, nameof(StudentDropout), $"must be in [0, 1), got {StudentDropout}");
            Require(StudentStochasticDepth >= 0 && StudentStochasticDepth < 1, nameof(StudentStochasticDepth), $"must be in [0, 1), got {StudentStochasticDepth}");
            Require(StudentRandAugmentLayers >= 0, nameof(StudentRandAugmentLayers), $"must be >= 0, got {StudentRandAugmentLayers}");
            Require(StudentRandAugmentMagnitude >= 0 && StudentRandAugmentMagnitude <= 30, nameof(StudentRandAugmentMagnitude), $"must be in [0, 30], got {StudentRandAugmentMagnitude}");
            Require(PseudoBatchFraction > 0 && PseudoBatchFraction < 1, nameof(PseudoBatchFraction), $"must be in (0, 1), got {PseudoBatchFraction}");
            Require(BatchSize >= 2, nameof(BatchSize), $"Noisy Student needs >= 2 (labelled + pseudo images per batch), got {BatchSize}");
            Require(TeacherClassifierWeights == null || File.Exists(TeacherClassifierWeights), nameof(TeacherClassifierWeights), $"file not found: {TeacherClassifierWeights}");
        }
        if (Method == PretrainingMethod.SimClr)
        {
            Require(Temperature > 0 && double.IsFinite(Temperature), nameof(Temperature), $"must be positive, got {Temperature}");
            Require(ProjectionDim > 0, nameof(ProjectionDim), $"must be positive, got {ProjectionDim}");
            Require(ProjectionHidden > 0, nameof(ProjectionHidden), $"must be positive, got {ProjectionHidden}");
            Require(Views != null, nameof(Views), "must not be null");
            Views!.Validate();
        }
    }
}
