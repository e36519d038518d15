namespace Repro.Core.Evaluation.Coco;

/// <summary>The entry point behind <c>repro eval --gt --dt [--iou-type] [--json]</c>.</summary>
public static class CocoEvalCommand
{
    /// <summary>
    /// Evaluates a COCO results file against a COCO instances file. Bad files raise InvalidDataException naming the
    /// file and field; an unsupported <paramref name="iouType"/> (e.g. "segm", not implemented yet) raises
    /// ArgumentException before any file is read.
    /// </summary>
    public static CocoEvalSummary Run(string gtPath, string resultsPath, string iouType = "bbox", CocoEvalParams? parameters = null)
    {
        if (string.IsNullOrWhiteSpace(gtPath)) throw new ArgumentException("ground-truth path is empty", nameof(gtPath));
        if (string.IsNullOrWhiteSpace(resultsPath)) throw new ArgumentException("results path is empty", nameof(resultsPath));
        var p = (parameters ?? CocoEvalParams.Default) with { IouType = iouType };
        p.Validate();
        var iou = IouComputers.For(p.IouType);
        var gt = CocoGroundTruthLoader.Load(gtPath);
        var results = CocoResultsLoader.Load(resultsPath, gt);
        return CocoSummarizer.Summarize(CocoEvaluator.AccumulateValidated(gt, results, p, iou));
    }
}
