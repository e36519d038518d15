using Repro.Core.Models.Detection;

namespace Repro.Core.Experiments;

/// <summary>
/// Self-training step 2: a trained teacher detector labels an unlabeled image folder with hard boxes. A pass is a
/// pure function of this config, the teacher weights, the categories file and the images.
/// </summary>
public sealed record PseudoLabelConfig
{
    /// <summary>Full RetinaNet weights of the teacher (a detection run's <c>train/final.weights</c>).</summary>
    public string TeacherWeights { get; init; } = "";
    /// <summary>The teacher's architecture (its post-processing runs before the threshold: see
    /// <see cref="ScoreThreshold"/>).</summary>
    public DetectorConfig Detector { get; init; } = DetectorConfig.Miniature();
    /// <summary>Folder of unlabeled images (top level, ordinal file order).</summary>
    public string UnlabeledImages { get; init; } = "";
    /// <summary>A COCO annotations file whose categories the teacher was trained on; pseudo labels use exactly those
    /// ids and names (class index i = i-th category by ascending id, as in training).</summary>
    public string CategoriesFrom { get; init; } = "";
    /// <summary>Keep teacher detections with score ≥ this (the paper: 0.5, for a converged teacher; a weak teacher
    /// needs lower — see the statistics' score histogram). Must be ≥ the teacher's Detector.PostProcess.ScoreThreshold.</summary>
    public double ScoreThreshold { get; init; } = 0.5;
    /// <summary>At most this many pseudo boxes per image (the highest-scoring).</summary>
    public int MaxBoxesPerImage { get; init; } = 100;
    /// <summary>Where the teacher runs: "cpu", "cuda" or "cuda:N" (as <see cref="Training.TrainerOptions.Device"/>).</summary>
    [ExecutionOnly]
    public string Device { get; init; } = "cpu";
    /// <summary>Images per inference batch.</summary>
    [ExecutionOnly]
    public int BatchSize { get; init; } = 64;
    /// <summary>Label only the first N images of the folder (null = all).</summary>
    public int? Limit { get; init; }

    /// <summary>Checks every field; <see cref="ArgumentException"/> naming the first bad one.</summary>
    public void Validate()
    {
        const string p = "PseudoLabelConfig.";
        if (string.IsNullOrWhiteSpace(TeacherWeights)) throw new ArgumentException($"{p}TeacherWeights is empty", nameof(TeacherWeights));
        if (!File.Exists(TeacherWeights)) throw new ArgumentException($"{p}TeacherWeights: file not found: {TeacherWeights}", nameof(TeacherWeights));
        if (string.IsNullOrWhiteSpace(UnlabeledImages)) throw new ArgumentException($"{p}UnlabeledImages is empty", nameof(UnlabeledImages));
        if (!Directory.Exists(UnlabeledImages)) throw new ArgumentException($"{p}UnlabeledImages: folder not found: {UnlabeledImages}", nameof(UnlabeledImages));
        if (string.IsNullOrWhiteSpace(CategoriesFrom)) throw new ArgumentException($"{p}CategoriesFrom is empty", nameof(CategoriesFrom));
        if (!File.Exists(CategoriesFrom)) throw new ArgumentException($"{p}CategoriesFrom: file not found: {CategoriesFrom}", nameof(CategoriesFrom));
        if (Detector is null) throw new ArgumentException($"{p}Detector must not be null", nameof(Detector));
        Detector.Validate();
        if (!(ScoreThreshold >= 0 && ScoreThreshold <= 1))
            throw new ArgumentException($"{p}ScoreThreshold must be in [0, 1], got {ScoreThreshold}", nameof(ScoreThreshold));
        if (ScoreThreshold < Detector.PostProcess.ScoreThreshold)
            throw new ArgumentException(
                $"{p}ScoreThreshold {ScoreThreshold} is below the teacher's post-processing threshold Detector.PostProcess.ScoreThreshold " +
                $"{Detector.PostProcess.ScoreThreshold}, so detections in between would silently be missing; lower the latter", nameof(ScoreThreshold));
        if (MaxBoxesPerImage < 1) throw new ArgumentException($"{p}MaxBoxesPerImage must be >= 1, got {MaxBoxesPerImage}", nameof(MaxBoxesPerImage));
        if (BatchSize < 1) throw new ArgumentException($"{p}BatchSize must be >= 1, got {BatchSize}", nameof(BatchSize));
        if (Limit is < 1) throw new ArgumentException($"{p}Limit must be null or >= 1, got {Limit}", nameof(Limit));
    }
}
