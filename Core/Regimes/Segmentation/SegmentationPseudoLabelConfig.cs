using Repro.Core.Data.Voc;
using Repro.Core.Models.Segmentation;

namespace Repro.Core.Regimes.Segmentation;

/// <summary>
/// What a segmentation teacher labels and how. Images come either from a VOC image set (<see cref="VocRoot"/> +
/// <see cref="ImageSet"/>, minus <see cref="ExcludeSet"/> when given: "trainaug" minus "train" is VOC's aug part;
/// their human masks are read only to measure the pseudo labels) or from a folder of unlabeled images
/// (<see cref="UnlabeledImages"/>, top level, file name without extension = id).
/// </summary>
public sealed record SegmentationPseudoLabelConfig
{
    /// <summary>The teacher's state dict (a trained <see cref="SegmentationModel"/> of <see cref="Model"/>).</summary>
    public string TeacherWeights { get; init; } = "";
    public SegmentationModelConfig Model { get; init; } = SegmentationModelConfig.Miniature();
    public string VocRoot { get; init; } = "";
    public string ImageSet { get; init; } = "trainaug";
    /// <summary>Ids of this image set are left out (e.g. "train", so that "trainaug" yields the aug part only).</summary>
    public string? ExcludeSet { get; init; }
    /// <summary>A folder of images to label instead of a VOC image set (no human masks, so no accuracy statistics).</summary>
    public string? UnlabeledImages { get; init; }
    /// <summary>Human masks of the VOC source (for statistics): folder and encoding.</summary>
    public string MaskFolder { get; init; } = "SegmentationClass";
    public VocMaskEncoding Encoding { get; init; } = VocMaskEncoding.Palette;
    /// <summary>Pixels whose largest teacher softmax probability is below this become 255 (ignored by the student).</summary>
    public double ConfidenceThreshold { get; init; } = 0.5;
    [ExecutionOnly]
    public int BatchSize { get; init; } = 32;
    /// <summary>"cpu", "cuda" or "cuda:N", as in TrainerOptions.Device.</summary>
    [ExecutionOnly]
    public string Device { get; init; } = "cpu";
    /// <summary>Name of the image set written (ImageSets/Segmentation/&lt;SetName&gt;.txt).</summary>
    public string SetName { get; init; } = "pseudo";

    /// <summary>This config labelling a VOC image set minus another (e.g. "trainaug" minus "train": VOC's aug part).</summary>
    public SegmentationPseudoLabelConfig FromVocSet(string vocRoot, string imageSet, string? excludeSet) =>
        this with { VocRoot = vocRoot, ImageSet = imageSet, ExcludeSet = excludeSet, UnlabeledImages = null };

    /// <summary>This config labelling a folder of images.</summary>
    public SegmentationPseudoLabelConfig FromFolder(string unlabeledImages) => this with { UnlabeledImages = unlabeledImages };

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid field.</summary>
    public void Validate()
    {
        const string p = "SegmentationPseudoLabelConfig.";
        if (string.IsNullOrWhiteSpace(TeacherWeights)) throw new ArgumentException($"{p}{nameof(TeacherWeights)} is empty", nameof(TeacherWeights));
        if (!File.Exists(TeacherWeights)) throw new ArgumentException($"{p}{nameof(TeacherWeights)}: file not found: {TeacherWeights}", nameof(TeacherWeights));
        if (Model == null) throw new ArgumentException($"{p}{nameof(Model)} must not be null", nameof(Model));
        Model.Validate();
        if (UnlabeledImages != null)
        {
            if (!Directory.Exists(UnlabeledImages)) throw new ArgumentException($"{p}{nameof(UnlabeledImages)}: folder not found: {UnlabeledImages}", nameof(UnlabeledImages));
        }
        else
        {
            if (string.IsNullOrWhiteSpace(VocRoot)) throw new ArgumentException($"{p}{nameof(VocRoot)} is empty (or set {nameof(UnlabeledImages)})", nameof(VocRoot));
            if (string.IsNullOrWhiteSpace(ImageSet)) throw new ArgumentException($"{p}{nameof(ImageSet)} is empty", nameof(ImageSet));
            if (ExcludeSet != null && string.IsNullOrWhiteSpace(ExcludeSet)) throw new ArgumentException($"{p}{nameof(ExcludeSet)} is blank (use null for none)", nameof(ExcludeSet));
            if (string.IsNullOrWhiteSpace(MaskFolder)) throw new ArgumentException($"{p}{nameof(MaskFolder)} is empty", nameof(MaskFolder));
            if (!Enum.IsDefined(Encoding)) throw new ArgumentException($"{p}{nameof(Encoding)} has unknown value {(int)Encoding}", nameof(Encoding));
        }
        if (!(ConfidenceThreshold >= 0 && ConfidenceThreshold <= 1))
            throw new ArgumentException($"{p}{nameof(ConfidenceThreshold)} must be in [0, 1], got {ConfidenceThreshold}", nameof(ConfidenceThreshold));
        if (string.IsNullOrWhiteSpace(Device)) throw new ArgumentException($"{p}{nameof(Device)} must be \"cpu\", \"cuda\" or \"cuda:N\"", nameof(Device));
        if (BatchSize < 1) throw new ArgumentException($"{p}{nameof(BatchSize)} must be positive, got {BatchSize}", nameof(BatchSize));
        if (string.IsNullOrWhiteSpace(SetName) || SetName.IndexOfAny(new[] { '/', '\\' }) >= 0 || SetName.Contains(".."))
            throw new ArgumentException($"{p}{nameof(SetName)} must be a plain name like pseudo, got '{SetName}'", nameof(SetName));
    }
}
