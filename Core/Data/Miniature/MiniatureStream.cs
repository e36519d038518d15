namespace Repro.Core.Data.Miniature;

/// <summary>The independent random streams of the miniature data: one per generated split, so that changing the
/// size of one split never changes the items of another.</summary>
public enum MiniatureStream
{
    DetectionTrain = 1,
    DetectionVal = 2,
    Unlabeled = 3,
    ClassificationTrain = 4,
    ClassificationVal = 5,
    SegmentationTrainAug = 6,
    SegmentationVal = 7,
}
