namespace Repro.Core.Evaluation.Coco;

/// <summary>
/// Overlap between the detections and ground truths of one (image, category) group, selected by iou type.
/// bbox is implemented by <see cref="BoxIouComputer"/>; a mask computer (segm, IoU over RLE) would implement the same
/// contract using <see cref="CocoEvalInput.GtSource"/>/<see cref="CocoEvalInput.DetSource"/> to reach the masks.
/// </summary>
internal interface IIouComputer
{
    /// <summary>Fills <paramref name="ious"/>[d * gtCount + g] for the group's detections (score order) and
    /// ground truths (file order). Crowd ground truths use intersection over detection area.</summary>
    void Compute(CocoEvalInput input, int detStart, int detCount, int gtStart, int gtCount, Span<double> ious);
}

/// <summary>Chooses the overlap computer for an iou type.</summary>
internal static class IouComputers
{
    public static IIouComputer For(string iouType) => iouType switch
    {
        "bbox" => new BoxIouComputer(),
        "segm" => throw new ArgumentException(
            "iouType 'segm' (mask IoU over RLE) is not implemented yet; only 'bbox' evaluation is available", nameof(iouType)),
        "keypoints" => throw new ArgumentException(
            "iouType 'keypoints' (OKS) is not implemented; only 'bbox' evaluation is available", nameof(iouType)),
        _ => throw new ArgumentException($"unknown iouType '{iouType}'; expected 'bbox' (or, later, 'segm')", nameof(iouType)),
    };
}
