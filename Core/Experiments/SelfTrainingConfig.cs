using System.Text.Json.Serialization;

namespace Repro.Core.Experiments;

/// <summary>
/// Self-training step 3: a student detector trained on human and pseudo labels together (Zoph et al. 2020). Each
/// step takes <see cref="DetectionExperimentConfig.BatchSize"/> human images and <see cref="PseudoBatchSize"/>
/// pseudo-labelled images, both with the student's augmentation (the noise); the loss is
/// L̂ = 1/(1+α)·(L_h + α·(L̄_h / L̄_p)·L_p) with loss normalization, or L_h + α·L_p without (the ablation);
/// see <see cref="Regimes.SelfTraining.LossNormalizer"/>.
/// A run is a pure function of this config (its seed included) and the pseudo-label file.
/// </summary>
public sealed record SelfTrainingConfig
{
    /// <summary>The student: human data and labelled fraction, detector, augmentation (the noise), trainer, human
    /// images per step (BatchSize), seed, and its initialization (BackboneWeights: the grid row's; null = random).</summary>
    public DetectionExperimentConfig Student { get; init; } = new();
    /// <summary>The teacher's final detector weights: the student starts from them, the paper's method (§3). Null:
    /// the student starts from its row's init (Table 10's "random student" ablation). Left out of the JSON when
    /// null, so configs without it keep their names.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? InitialWeights { get; init; }
    /// <summary>Pseudo labels (a <see cref="PseudoLabeling"/> run's <c>pseudo_labels.json</c>); categories must equal
    /// the human data's.</summary>
    public string PseudoAnnotations { get; init; } = "";
    /// <summary>Folder the pseudo file's file names are relative to (<see cref="PseudoLabelResult.ImagesRoot"/>).</summary>
    public string PseudoImages { get; init; } = "";
    /// <summary>Pseudo images per step (the paper: as many as human images, i.e. half of each batch).</summary>
    public int PseudoBatchSize { get; init; } = 32;
    /// <summary>Loss normalization on (1/(1+α)·(L_h + α·(L̄_h/L̄_p)·L_p)) or off (the ablation L_h + α·L_p).</summary>
    public bool LossNormalization { get; init; } = true;
    /// <summary>α, the pseudo loss's weight relative to the human loss's running scale.</summary>
    public double Alpha { get; init; } = 1.0;
    /// <summary>Time constant τ (steps) of the running means L̄_h, L̄_p: decay 1 − 1/τ per step (the paper's 0.9997 is
    /// τ ≈ 3333 at its schedules; profiles scale τ to theirs).</summary>
    public double NormalizerTimeConstant { get; init; } = 100;
    /// <summary>
    /// Drop pseudo images on which the teacher kept no box. Default false: such images are used as all-background
    /// examples, exactly like a labelled image without objects (the hard-label recipe: whatever the teacher did not
    /// find is background). With a weak teacher at a high threshold almost every pseudo image is then empty, which
    /// teaches the student to predict nothing — check the pseudo-label statistics before training.
    /// </summary>
    public bool SkipEmptyPseudoImages { get; init; }

    /// <summary>This config with pseudo labels from a labelling pass (for callers without C# `with`, e.g. F#).</summary>
    public SelfTrainingConfig WithPseudoLabels(PseudoLabelResult labels) =>
        this with { PseudoAnnotations = labels.AnnotationsPath, PseudoImages = labels.ImagesRoot };

    /// <summary>Checks every field; <see cref="ArgumentException"/> naming the first bad one.</summary>
    public void Validate()
    {
        const string p = "SelfTrainingConfig.";
        if (Student is null) throw new ArgumentException($"{p}Student must not be null", nameof(Student));
        Student.Validate();
        if (Student.Detector.Loss.PositiveCountMomentum is not null)
            throw new ArgumentException(
                $"{p}Student.Detector.Loss.PositiveCountMomentum must be null: the human and pseudo losses are each normalised by their own positive-anchor count",
                nameof(Student));
        if (InitialWeights != null && !File.Exists(InitialWeights))
            throw new ArgumentException($"{p}InitialWeights: file not found: {InitialWeights}", nameof(InitialWeights));
        if (string.IsNullOrWhiteSpace(PseudoAnnotations)) throw new ArgumentException($"{p}PseudoAnnotations is empty", nameof(PseudoAnnotations));
        if (!File.Exists(PseudoAnnotations)) throw new ArgumentException($"{p}PseudoAnnotations: file not found: {PseudoAnnotations}", nameof(PseudoAnnotations));
        if (string.IsNullOrWhiteSpace(PseudoImages)) throw new ArgumentException($"{p}PseudoImages is empty", nameof(PseudoImages));
        if (!Directory.Exists(PseudoImages)) throw new ArgumentException($"{p}PseudoImages: folder not found: {PseudoImages}", nameof(PseudoImages));
        if (PseudoBatchSize < 1) throw new ArgumentException($"{p}PseudoBatchSize must be >= 1, got {PseudoBatchSize}", nameof(PseudoBatchSize));
        if (!(Alpha >= 0 && double.IsFinite(Alpha))) throw new ArgumentException($"{p}Alpha must be a finite number >= 0, got {Alpha}", nameof(Alpha));
        Regimes.SelfTraining.LossNormalizer.CheckTimeConstant(NormalizerTimeConstant, $"{p}{nameof(NormalizerTimeConstant)}");
    }
}
