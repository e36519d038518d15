using Repro.Core.Data;
using Repro.Core.Data.Coco;
using Repro.Core.Evaluation.Coco;
using Repro.Core.Models.Detection;

namespace Repro.Core.Experiments;

/// <summary>
/// Runs a detector over a COCO split and scores it with the COCO evaluator: each image is resized so its long side
/// is the detector's input size (padded to a square, no other augmentation), detections are mapped back to the
/// image's own coordinates, and the ground truth is the annotation file itself (its areas and crowd flags).
/// </summary>
public static class DetectionEvaluation
{
    public sealed record Output(CocoEvalSummary Summary, IReadOnlyList<CocoResult> Detections);

    public static CocoEvalParams ParamsFor(DetectionDataConfig data) =>
        new() { AreaRanges = CocoEvalParams.AreaRangesFor(data.SmallMaxArea, data.LargeMinArea) };

    public static Output Evaluate(RetinaNet model, string imagesRoot, string annotations, CocoEvalParams parameters,
                                  int batchSize, ImageCache? cache = null, CancellationToken ct = default)
    {
        var gt = CocoGroundTruthLoader.Load(annotations);
        // Ground truth is evaluated as written; the dataset only supplies pixels, so keep every image, boxes or not.
        var dataset = CocoDetectionDataset.Open(imagesRoot, annotations, options: new CocoReadOptions { RequireAnnotations = false }, cache: cache);
        var inference = DetectorInference.Run(model, dataset, batchSize, ct: ct);
        var results = DetectionCocoResults.ToCocoResults(inference.Detections, inference.ImageIds, dataset.Categories, inference.Scales);
        var summary = CocoEvaluator.Evaluate(gt, results, parameters, annotations, "detections");
        return new Output(summary, results);
    }
}
