using Repro.Core.Models.Detection;

namespace Repro.Core.Regimes.SelfTraining;

/// <summary>
/// What a pseudo-labelling pass produced, for calibrating the threshold: boxes kept per image and category, and the
/// score histogram of ALL the teacher's detections before thresholding (so one can see where the teacher's scores
/// lie). The teacher's own post-processing runs first: detections scoring below its
/// <see cref="PostProcessConfig.ScoreThreshold"/> (<see cref="TeacherScoreFloor"/>) or beyond its
/// <see cref="PostProcessConfig.MaxDetections"/> per image never exist, so the lowest bin is partial.
/// </summary>
public sealed record PseudoLabelStatistics
{
    public const int HistogramBins = 10;

    /// <summary>Images labelled.</summary>
    public int Images { get; init; }
    /// <summary>Pseudo boxes kept (score ≥ threshold, at most the cap per image).</summary>
    public int Boxes { get; init; }
    /// <summary>Images with at least one kept box (the others are all-background pseudo images).</summary>
    public int ImagesWithBoxes { get; init; }
    public double BoxesPerImage { get; init; }
    /// <summary>Kept boxes per category name (every category of the teacher, zeros included).</summary>
    public IReadOnlyDictionary<string, int> BoxesPerCategory { get; init; } = new Dictionary<string, int>();
    /// <summary>Counts of all teacher detections (before thresholding) in 10 equal bins over [0, 1]; bin i holds
    /// scores in [i/10, (i+1)/10), the last bin includes 1.</summary>
    public IReadOnlyList<int> ScoreHistogram { get; init; } = new int[HistogramBins];
    /// <summary>Mean score of the kept boxes (0 when none).</summary>
    public double MeanScoreKept { get; init; }
    /// <summary>The threshold applied.</summary>
    public double ScoreThreshold { get; init; }
    /// <summary>All teacher detections (the histogram's total).</summary>
    public int TeacherDetections { get; init; }
    /// <summary>Teacher detections with score ≥ threshold, before the per-image cap.</summary>
    public int DetectionsAboveThreshold { get; init; }
    /// <summary>The teacher's post-processing score threshold: no detection below it is seen.</summary>
    public double TeacherScoreFloor { get; init; }

    /// <summary>The histogram bin of a score in [0, 1].</summary>
    public static int BinOf(double score) => Math.Clamp((int)Math.Floor(score * HistogramBins), 0, HistogramBins - 1);

    /// <summary>Statistics of one pass.</summary>
    /// <param name="teacher">All teacher detections, per image.</param>
    /// <param name="kept">Kept pseudo boxes, per image (same order).</param>
    /// <param name="categoryNames">Category id → name (all the teacher's categories).</param>
    public static PseudoLabelStatistics Compute(IReadOnlyList<ImageDetections> teacher, IReadOnlyList<IReadOnlyList<PseudoBox>> kept,
                                                IReadOnlyDictionary<int, string> categoryNames, double threshold, double teacherScoreFloor)
    {
        if (teacher.Count != kept.Count) throw new ArgumentException($"{teacher.Count} teacher results but {kept.Count} kept lists", nameof(kept));
        var histogram = new int[HistogramBins];
        int detections = 0, above = 0;
        foreach (var d in teacher)
            foreach (var s in d.Scores)
            {
                histogram[BinOf(s)]++;
                detections++;
                if (s >= threshold) above++;
            }
        var perCategory = categoryNames.OrderBy(kv => kv.Key).ToDictionary(kv => kv.Value, _ => 0);
        int boxes = 0, withBoxes = 0;
        double scoreSum = 0;
        foreach (var list in kept)
        {
            if (list.Count > 0) withBoxes++;
            foreach (var b in list)
            {
                boxes++;
                scoreSum += b.Score;
                var name = categoryNames.TryGetValue(b.CategoryId, out var n) ? n
                    : throw new ArgumentException($"pseudo box with unknown category id {b.CategoryId}", nameof(kept));
                perCategory[name]++;
            }
        }
        return new PseudoLabelStatistics
        {
            Images = teacher.Count, Boxes = boxes, ImagesWithBoxes = withBoxes,
            BoxesPerImage = teacher.Count == 0 ? 0 : (double)boxes / teacher.Count,
            BoxesPerCategory = perCategory, ScoreHistogram = histogram,
            MeanScoreKept = boxes == 0 ? 0 : scoreSum / boxes,
            ScoreThreshold = threshold, TeacherDetections = detections, DetectionsAboveThreshold = above,
            TeacherScoreFloor = teacherScoreFloor,
        };
    }
}
