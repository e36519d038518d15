using Repro.Core.Data;
using Repro.Core.Models.Backbones;
using static TorchSharp.torch;

namespace Repro.Core.Regimes.Pretraining;

/// <summary>What a teacher's pseudo labels on the unlabeled pool look like (written to pseudo_labels.json).</summary>
public sealed record PseudoLabelSummary
{
    public int Round { get; init; }
    public int UnlabeledImages { get; init; }
    /// <summary>Images kept by the confidence filter (pseudo-labelled images the student trains on).</summary>
    public int KeptImages { get; init; }
    public bool Soft { get; init; }
    public double ConfidenceThreshold { get; init; }
    /// <summary>Mean of the teacher's top class probability over the kept images, and over all images.</summary>
    public double MeanMaxProbability { get; init; }
    public double MeanMaxProbabilityAll { get; init; }
    /// <summary>Kept images per teacher argmax class, in class-index order.</summary>
    public int[] ClassHistogram { get; init; } = [];
    public string[] Classes { get; init; } = [];
}

/// <summary>The pseudo-labelled pool: which unlabeled images were kept and their target distributions.</summary>
public sealed class PseudoLabelSet
{
    public PseudoLabelSet(int[] indices, float[] targets, int numClasses, PseudoLabelSummary summary)
    {
        if (targets.Length != indices.Length * numClasses) throw new ArgumentException($"{targets.Length} target values for {indices.Length} images × {numClasses} classes");
        Indices = indices; Targets = targets; NumClasses = numClasses; Summary = summary;
    }

    /// <summary>Unlabeled-pool indices of the kept images, ascending.</summary>
    public int[] Indices { get; }
    /// <summary>Row-major [Kept, C] targets: the teacher's probabilities (soft) or one-hot argmax (hard, unsmoothed).</summary>
    public float[] Targets { get; }
    public int NumClasses { get; }
    public PseudoLabelSummary Summary { get; }
    public int Count => Indices.Length;

    public ReadOnlySpan<float> TargetOf(int kept) => Targets.AsSpan(kept * NumClasses, NumClasses);
}

/// <summary>
/// Noisy Student's pseudo labelling: the teacher, <i>not</i> noised (eval mode: no dropout or drop-path, un-augmented
/// images), predicts a class distribution for every unlabeled image; soft labels keep the distribution, hard labels its
/// argmax; images whose top probability is below the confidence threshold are dropped.
/// </summary>
public static class PseudoLabels
{
    /// <summary>Pseudo labels from teacher probabilities [N, C] (rows sum to 1).</summary>
    public static PseudoLabelSet FromProbabilities(Tensor probabilities, bool soft, double confidence, IReadOnlyList<string>? classes = null, int round = 1)
    {
        if (probabilities.dim() != 2) throw new ArgumentException($"probabilities must be [N, C], got [{string.Join(", ", probabilities.shape)}]");
        if (!(confidence >= 0 && confidence < 1)) throw new ArgumentOutOfRangeException(nameof(confidence), confidence, "confidence threshold must be in [0, 1)");
        int n = (int)probabilities.shape[0], c = (int)probabilities.shape[1];
        float[] p;
        using (var cpu = probabilities.to(ScalarType.Float32).cpu().contiguous()) p = n * c == 0 ? [] : cpu.data<float>().ToArray();
        var kept = new List<int>();
        var targets = new List<float>();
        var histogram = new int[c];
        double sumMaxKept = 0, sumMaxAll = 0;
        for (int i = 0; i < n; i++)
        {
            var row = p.AsSpan(i * c, c);
            int arg = 0;
            for (int k = 1; k < c; k++) if (row[k] > row[arg]) arg = k;
            sumMaxAll += row[arg];
            if (row[arg] < confidence) continue;
            kept.Add(i);
            sumMaxKept += row[arg];
            histogram[arg]++;
            if (soft) targets.AddRange(row.ToArray());
            else for (int k = 0; k < c; k++) targets.Add(k == arg ? 1f : 0f);
        }
        var summary = new PseudoLabelSummary
        {
            Round = round, UnlabeledImages = n, KeptImages = kept.Count, Soft = soft, ConfidenceThreshold = confidence,
            MeanMaxProbability = kept.Count == 0 ? 0 : sumMaxKept / kept.Count, MeanMaxProbabilityAll = n == 0 ? 0 : sumMaxAll / n,
            ClassHistogram = histogram, Classes = classes?.ToArray() ?? [],
        };
        return new PseudoLabelSet(kept.ToArray(), targets.ToArray(), c, summary);
    }

    /// <summary>Runs the teacher over the unlabeled pool and pseudo-labels it.</summary>
    public static PseudoLabelSet Annotate(ImageClassifier teacher, ILabelledImageSet unlabeled, int imageSize, int batchSize, bool soft, double confidence,
                                          IReadOnlyList<string>? classes = null, int round = 1, Device? device = null, CancellationToken ct = default)
    {
        using var probabilities = ClassificationInference.Run(teacher, x => nn.functional.softmax(teacher.call(x), 1), unlabeled, imageSize, batchSize, device, ct);
        return FromProbabilities(probabilities, soft, confidence, classes, round);
    }
}
