using Repro.Core.Augment.Geometry;
using Repro.Core.Data;
using Repro.Core.Data.Batching;
using Repro.Core.Data.Coco;
using Repro.Core.Evaluation.Coco;
using Repro.Core.Models.Detection;
using static TorchSharp.torch;

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
        int size = model.Config.InputSize;
        var resize = new ScaleJitterCrop(size, 1, 1);
        var collator = new BatchCollator(new CollateOptions { FixedHeight = size, FixedWidth = size });
        var detections = new List<ImageDetections>(dataset.Count);
        var scales = new List<double>(dataset.Count);
        var ids = new List<long>(dataset.Count);
        bool wasTraining = model.training;
        model.eval();
        try
        {
            for (int start = 0; start < dataset.Count; start += batchSize)
            {
                ct.ThrowIfCancellationRequested();
                var batch = new List<DetectionSample>();
                for (int i = start; i < Math.Min(start + batchSize, dataset.Count); i++)
                {
                    var s = dataset.Get(i);
                    double r = (double)size / Math.Max(s.Image.Width, s.Image.Height);
                    batch.Add(resize.ApplyMap(s, new Affine2D(r, 0, 0, 0, r, 0)));
                    scales.Add(r);
                    ids.Add(s.ImageId);
                }
                Native.GcPause.AtSafePoint();
                using var scope = NewDisposeScope();
                using var tensors = collator.Collate(batch).ToTensors();
                detections.AddRange(model.Detect(tensors.Images));
            }
        }
        finally
        {
            Native.GcPause.End();
            model.train(wasTraining);
        }
        var results = DetectionCocoResults.ToCocoResults(detections, ids, dataset.Categories, scales);
        var summary = CocoEvaluator.Evaluate(gt, results, parameters, annotations, "detections");
        return new Output(summary, results);
    }
}
