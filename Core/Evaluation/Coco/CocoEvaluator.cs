using Repro.Core.Data.Coco;

namespace Repro.Core.Evaluation.Coco;

/// <summary>
/// COCO detection evaluation with pycocotools COCOeval semantics (evaluate → accumulate → summarize), on flat
/// arrays, single-threaded. Images are all images of the ground truth, categories all its categories.
/// Note: pycocotools' loadRes fails on an empty results list; here empty results evaluate to 0 for categories with
/// ground truth (−1 without), which is what its evaluate()/accumulate() give for images without detections.
/// </summary>
public static class CocoEvaluator
{
    /// <summary>Validates ground truth and results (errors name <paramref name="resultsSource"/>), then evaluates.</summary>
    public static CocoEvalSummary Evaluate(CocoDataset gt, IReadOnlyList<CocoResult> results, CocoEvalParams? parameters = null,
        string gtSource = "ground truth", string resultsSource = "results")
        => CocoSummarizer.Summarize(Accumulate(gt, results, parameters, gtSource, resultsSource));

    /// <summary>Like <see cref="Evaluate"/> but returns the full precision/recall tables.</summary>
    public static CocoEvalAccumulation Accumulate(CocoDataset gt, IReadOnlyList<CocoResult> results, CocoEvalParams? parameters = null,
        string gtSource = "ground truth", string resultsSource = "results")
    {
        ArgumentNullException.ThrowIfNull(gt);
        ArgumentNullException.ThrowIfNull(results);
        var p = parameters ?? CocoEvalParams.Default;
        p.Validate();
        var iou = IouComputers.For(p.IouType);
        CocoGroundTruthLoader.Validate(gt, gtSource);
        CocoResultsLoader.Validate(results, gt, resultsSource);
        return AccumulateValidated(gt, results, p, iou);
    }

    /// <summary>Evaluation proper, on inputs already validated.</summary>
    internal static CocoEvalAccumulation AccumulateValidated(CocoDataset gt, IReadOnlyList<CocoResult> results, CocoEvalParams p, IIouComputer iou)
    {
        var input = CocoEvalInput.Build(gt, results, p.MaxDets[^1]);
        var matches = GreedyMatcher.Match(input, p, iou);
        return PrecisionRecallAccumulator.Accumulate(input, matches, p);
    }
}
