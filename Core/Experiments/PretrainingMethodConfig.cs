using System.Text.Json.Serialization;
using Repro.Core.Regimes.Pretraining;

namespace Repro.Core.Experiments;

/// <summary>The settings only one pre-training method uses: one record per method.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "$method")]
[JsonDerivedType(typeof(SupervisedPretraining), "Supervised")]
[JsonDerivedType(typeof(NoisyStudentPretraining), "NoisyStudent")]
[JsonDerivedType(typeof(SimClrPretraining), "SimClr")]
public abstract record PretrainingMethodConfig
{
    /// <summary>Checks the method's fields; <see cref="ArgumentException"/> naming the first bad one under
    /// <paramref name="prefix"/> (e.g. "PretrainingConfig.Method.").</summary>
    public abstract void Validate(string prefix);

    /// <summary>The method's record with its defaults.</summary>
    public static PretrainingMethodConfig Default(PretrainingMethod method) => method switch
    {
        PretrainingMethod.Supervised => new SupervisedPretraining(),
        PretrainingMethod.NoisyStudent => new NoisyStudentPretraining(),
        PretrainingMethod.SimClr => new SimClrPretraining(),
        _ => throw new ArgumentOutOfRangeException(nameof(method), method, "unknown pre-training method"),
    };

    private protected static void Require(bool ok, string prefix, string field, string why)
    {
        if (!ok) throw new ArgumentException($"{prefix}{field}: {why}", field);
    }
}

/// <summary>ImageNet Init: supervised classification on the labelled pool.</summary>
public sealed record SupervisedPretraining : PretrainingMethodConfig
{
    /// <summary>Dropout before the classifier's linear layer.</summary>
    public double Dropout { get; init; }

    public override void Validate(string prefix) =>
        Require(Dropout >= 0 && Dropout < 1, prefix, nameof(Dropout), $"must be in [0, 1), got {Dropout}");
}

/// <summary>ImageNet++ Init: Noisy Student (teacher on labels → pseudo labels on an unlabeled pool → noised student).</summary>
public sealed record NoisyStudentPretraining : PretrainingMethodConfig
{
    /// <summary>Full <see cref="ImageClassifier"/> weights of a trained teacher (e.g. a Supervised run's
    /// classifier.weights, same backbone and classes); null = train the teacher first (<see cref="Teacher"/>).</summary>
    public string? TeacherClassifierWeights { get; init; }
    /// <summary>How the teacher is trained when <see cref="TeacherClassifierWeights"/> is null (null: the supervised
    /// defaults); must be null when the teacher is given, so that settings that play no part never name the run.</summary>
    public SupervisedPretraining? Teacher { get; init; }

    /// <summary>This method starting from a trained teacher's weights (for callers without C# `with`, e.g. F#).</summary>
    public NoisyStudentPretraining WithTeacherWeights(string weights) => this with { TeacherClassifierWeights = weights, Teacher = null };

    /// <summary>The settings the teacher trains with.</summary>
    public SupervisedPretraining TeacherTraining() => Teacher ?? new SupervisedPretraining();
    /// <summary>Teacher → student iterations; each round's student is the next round's teacher.</summary>
    public int Rounds { get; init; } = 1;
    /// <summary>Soft pseudo labels (the teacher's class distribution) or hard ones (its argmax, smoothed by the config's LabelSmoothing).</summary>
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

    public override void Validate(string r)
    {
        Require(Teacher == null || TeacherClassifierWeights == null, r, nameof(Teacher), "give a teacher to train or a trained teacher's weights, not both");
        Teacher?.Validate(r + nameof(Teacher) + ".");
        Require(Rounds is >= 1 and <= 10, r, nameof(Rounds), $"must be in 1..10, got {Rounds}");
        Require(PseudoLabelConfidence >= 0 && PseudoLabelConfidence < 1, r, nameof(PseudoLabelConfidence), $"must be in [0, 1), got {PseudoLabelConfidence}");
        Require(StudentDropout >= 0 && StudentDropout < 1, r, nameof(StudentDropout), $"must be in [0, 1), got {StudentDropout}");
        Require(StudentStochasticDepth >= 0 && StudentStochasticDepth < 1, r, nameof(StudentStochasticDepth), $"must be in [0, 1), got {StudentStochasticDepth}");
        Require(StudentRandAugmentLayers >= 0, r, nameof(StudentRandAugmentLayers), $"must be >= 0, got {StudentRandAugmentLayers}");
        Require(StudentRandAugmentMagnitude >= 0 && StudentRandAugmentMagnitude <= 30, r, nameof(StudentRandAugmentMagnitude), $"must be in [0, 30], got {StudentRandAugmentMagnitude}");
        Require(PseudoBatchFraction > 0 && PseudoBatchFraction < 1, r, nameof(PseudoBatchFraction), $"must be in (0, 1), got {PseudoBatchFraction}");
        Require(TeacherClassifierWeights == null || File.Exists(TeacherClassifierWeights), r, nameof(TeacherClassifierWeights), $"file not found: {TeacherClassifierWeights}");
    }
}

/// <summary>SimCLR: contrastive self-supervised pre-training; labels unused (except by the linear probe).</summary>
public sealed record SimClrPretraining : PretrainingMethodConfig
{
    public double Temperature { get; init; } = 0.2;
    public int ProjectionDim { get; init; } = 64;
    public int ProjectionHidden { get; init; } = 128;
    /// <summary>SimCLR's colour distortions (crop and flip come from <see cref="PretrainingConfig.EffectiveAugment"/>).</summary>
    public SimClrViewConfig Views { get; init; } = new();

    public override void Validate(string r)
    {
        Require(Temperature > 0 && double.IsFinite(Temperature), r, nameof(Temperature), $"must be positive, got {Temperature}");
        Require(ProjectionDim > 0, r, nameof(ProjectionDim), $"must be positive, got {ProjectionDim}");
        Require(ProjectionHidden > 0, r, nameof(ProjectionHidden), $"must be positive, got {ProjectionHidden}");
        Require(Views != null, r, nameof(Views), "must not be null");
        Views!.Validate();
    }
}
