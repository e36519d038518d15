namespace Repro.Core.Data.Miniature;

/// <summary>
/// The on-disk layout of a generated miniature (paths relative to its root), mirroring the real data sets so the
/// same readers load both:
/// <code>
/// detection/train2017/000000000001.png …        detection/val2017/*.png
/// detection/annotations/instances_train2017.json, instances_val2017.json     (COCO instances)
/// classification/train/&lt;class&gt;/&lt;class&gt;_000000.png …  classification/val/&lt;class&gt;/*.png   (ImageNet-style folders)
/// unlabeled/images/00000001.png …                 unlabeled/hidden_annotations.json (COCO; never read by training)
/// segmentation/VOC2012/JPEGImages/mini_000000.png, SegmentationClass/mini_000000.png (VOC palette colours),
/// segmentation/VOC2012/ImageSets/Segmentation/train.txt, trainaug.txt, val.txt
/// manifest.json                                   (written last: the completion marker)
/// </code>
/// </summary>
public static class MiniatureLayout
{
    public const string DetectionTrainImages = "detection/train2017";
    public const string DetectionValImages = "detection/val2017";
    public const string DetectionTrainAnnotations = "detection/annotations/instances_train2017.json";
    public const string DetectionValAnnotations = "detection/annotations/instances_val2017.json";
    public const string ClassificationTrain = "classification/train";
    public const string ClassificationVal = "classification/val";
    public const string UnlabeledImages = "unlabeled/images";
    /// <summary>Ground truth of the unlabeled pool, for measuring pseudo-label quality only; training never reads it.</summary>
    public const string UnlabeledHiddenAnnotations = "unlabeled/hidden_annotations.json";
    public const string VocRoot = "segmentation/VOC2012";
    public const string VocImages = "segmentation/VOC2012/JPEGImages";
    public const string VocLabels = "segmentation/VOC2012/SegmentationClass";
    public const string VocImageSets = "segmentation/VOC2012/ImageSets/Segmentation";
    public const string Manifest = "manifest.json";

    /// <summary>COCO-style file name of detection image id <paramref name="imageId"/> (12 digits).</summary>
    public static string DetectionFileName(long imageId) => $"{imageId:D12}.png";
    public static string UnlabeledFileName(int index) => $"{index + 1:D8}.png";
    public static string ClassificationFileName(string className, int index) => $"{className}_{index:D6}.png";
    /// <summary>VOC-style id of segmentation item <paramref name="index"/> of the train+aug or val stream.</summary>
    public static string SegmentationId(MiniatureStream stream, int index) =>
        stream == MiniatureStream.SegmentationVal ? $"miniv_{index:D6}" : $"minit_{index:D6}";
}
