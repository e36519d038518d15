using System.Text.Json.Serialization;

namespace Repro.Core.Data.Miniature;

/// <summary>
/// Everything that determines the generated miniature data (sizes, counts, difficulty knobs, seed). Plain record:
/// serialised with System.Text.Json and hashed to name the cache folder, so the data is a pure function of it.
/// Sizes are fractions of the image side so the same config scales from 64 px to ~128 px images.
/// </summary>
public sealed record MiniatureConfig
{
    /// <summary>Master seed; every item's RNG is derived from (Seed, split, index).</summary>
    public int Seed { get; init; } = 1;

    // ---- scenes (detection, unlabeled, segmentation) ----
    /// <summary>Side of the square detection/unlabeled/segmentation images, in pixels (16…256).</summary>
    public int ImageSize { get; init; } = 64;
    public int MinObjects { get; init; } = 1;
    public int MaxObjects { get; init; } = 5;
    /// <summary>Object size range as a fraction of the image side, sampled log-uniformly; the object's nominal size
    /// is sqrt(w·h) of its local box (0.15…0.7 of 64 px = 10…45 px, about the probe's 10–40 px).</summary>
    public double MinObjectScale { get; init; } = 0.15;
    public double MaxObjectScale { get; init; } = 0.7;
    /// <summary>Largest rotation of an object either way, in degrees; null: any angle. Left out of the JSON (and so
    /// of the data's name) when null.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? MaxRotationDegrees { get; init; }
    /// <summary>Largest IoU allowed between two objects' boxes (bounded occlusion).</summary>
    public double MaxOverlapIou { get; init; } = 0.3;
    /// <summary>Each object keeps at least this fraction of its in-image pixels visible after later objects are drawn.</summary>
    public double MinVisibleFraction { get; init; } = 0.5;
    /// <summary>Probability that an object's centre is drawn from the range that lets it cross the border …</summary>
    public double TruncationProbability { get; init; } = 0.3;
    /// <summary>… by up to this fraction of its width/height (truncation); otherwise it lies fully inside …</summary>
    public double MaxOutsideFraction { get; init; } = 0.35;
    /// <summary>… but keep at least this fraction of their full pixel area inside the image.</summary>
    public double MinInImageFraction { get; init; } = 0.55;
    /// <summary>Probability of each texture for detection-like scenes: solid, stripes, noise (normalised).</summary>
    public double[] TextureWeights { get; init; } = { 0.5, 0.25, 0.25 };
    /// <summary>Minimum colour distance (sum of |ΔR|+|ΔG|+|ΔB|) between any object colour and the background.</summary>
    public int MinObjectContrast { get; init; } = 120;
    /// <summary>Amplitude (±) of the background's per-pixel noise; low so that it never resembles an object.</summary>
    public int BackgroundNoise { get; init; } = 6;
    /// <summary>At most this many thin, low-contrast lines across the background (the probe: many lines kill AP).</summary>
    public int MaxClutterLines { get; init; } = 2;
    /// <summary>Placement attempts per object before it is dropped.</summary>
    public int MaxPlacementAttempts { get; init; } = 40;

    // ---- COCO-style size buckets, as fractions of the image area ----
    // COCO calls objects below 32² px small and above 96² px large on ~640 px images; those absolute thresholds would
    // make every miniature object large, so the buckets are relative. They split the Default preset's detection
    // objects (by visible area, as COCO's `area`) 15% small / 55% medium / 30% large (measured, 1,000 scenes; COCO
    // ~41/34/24): its objects start at 13 px, since smaller ones kept the detector from converging.
    /// <summary>Objects with area below this fraction of the image are "small" (123 px ≈ 11² at 64 px).</summary>
    public double SmallAreaFraction { get; init; } = 0.03;
    /// <summary>Objects with area above this fraction of the image are "large" (410 px ≈ 20² at 64 px).</summary>
    public double LargeAreaFraction { get; init; } = 0.1;

    // ---- counts ----
    public int DetectionTrainCount { get; init; } = 1500;
    public int DetectionValCount { get; init; } = 500;
    /// <summary>Unlabeled detection-like scenes (labels withheld), more than the labelled train set as in the paper.</summary>
    public int UnlabeledCount { get; init; } = 5000;
    public int ClassificationImageSize { get; init; } = 64;
    public int ClassificationTrainPerClass { get; init; } = 400;
    public int ClassificationValPerClass { get; init; } = 50;
    /// <summary>Largest number of small distractor objects (detection shapes) in a classification image: scene-like
    /// pre-training images transferred better in the probe.</summary>
    public int ClassificationMaxDistractors { get; init; } = 2;
    /// <summary>VOC "train+aug" role (~10.6k in VOC); "train" is its first <see cref="SegmentationTrainCount"/> items.</summary>
    public int SegmentationTrainAugCount { get; init; } = 1500;
    /// <summary>VOC "train" role (~1.5k in VOC), a subset of train+aug.</summary>
    public int SegmentationTrainCount { get; init; } = 300;
    public int SegmentationValCount { get; init; } = 300;

    /// <summary>
    /// The informative study. Counts follow the CPU probe (1,500 labelled train scenes trained a detector in 2–3 min;
    /// 20% = 300), with val raised to 500 to cut evaluation noise (seed spread was ~4 AP) and 5,000 unlabeled scenes
    /// (3.3× the labelled set). Classification: 16 classes × 400 = 6,400 train + 800 val, enough for a small backbone
    /// to pre-train in minutes. Segmentation keeps VOC's 1 : 7 train : train+aug ratio at a 300 : 1,500 scale.
    /// About 17k PNGs in total, generated in well under a minute on 2 cores.
    /// </summary>
    public static MiniatureConfig Default { get; } = new()
    {
        // Calibrated on Rand Init only, on the minival (README, "Calibration"): any rotation, striped/noisy textures,
        // clutter lines and 10-px objects kept a 0.5M-parameter detector far from converged (minival AP 30 at 3,000
        // S1 steps without rotation; training-image AP 24 with it). Axis-aligned, solid objects of 13 px and more
        // reached minival AP 44 at 3,000 steps and 50 at 6,000.
        MaxRotationDegrees = 0, TextureWeights = new[] { 1.0, 0.0, 0.0 }, MaxClutterLines = 0, MinObjectScale = 0.2,
    };

    /// <summary>Tiny sets (tens of images per split) for tests and CI.</summary>
    /// <summary>Preset names accepted by <see cref="Preset"/>.</summary>
    public static IReadOnlyList<string> PresetNames { get; } = new[] { "smoke", "default" };

    /// <summary>A preset by name ("smoke" | "default"); an ArgumentException names the unknown one.</summary>
    public static MiniatureConfig Preset(string name) => name switch
    {
        "smoke" => Smoke,
        "default" => Default,
        _ => throw new ArgumentException($"unknown miniature preset '{name}' ({string.Join(" | ", PresetNames)})", nameof(name)),
    };

    /// <summary>This config with another master seed (for callers without C# `with`, e.g. F#).</summary>
    public MiniatureConfig WithSeed(int seed) => this with { Seed = seed };

    public static MiniatureConfig Smoke { get; } = new()
    {
        DetectionTrainCount = 160, DetectionValCount = 48, UnlabeledCount = 160,
        MaxObjects = 3, MinObjectScale = 0.25, MaxObjectScale = 0.6,
        TextureWeights = new[] { 1.0, 0.0, 0.0 }, MaxClutterLines = 0, TruncationProbability = 0,
        ClassificationTrainPerClass = 8, ClassificationValPerClass = 2,
        SegmentationTrainAugCount = 64, SegmentationTrainCount = 32, SegmentationValCount = 32,
    };

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid field.</summary>
    public void Validate()
    {
        static void Check(bool ok, string field, string why)
        {
            if (!ok) throw new ArgumentException($"MiniatureConfig.{field}: {why}", field);
        }
        Check(ImageSize is >= 16 and <= 256, nameof(ImageSize), $"must be in 16..256, was {ImageSize}");
        Check(ClassificationImageSize is >= 16 and <= 256, nameof(ClassificationImageSize), $"must be in 16..256, was {ClassificationImageSize}");
        Check(MinObjects >= 1, nameof(MinObjects), $"must be >= 1, was {MinObjects}");
        Check(MaxObjects >= MinObjects && MaxObjects <= 50, nameof(MaxObjects), $"must be in MinObjects..50, was {MaxObjects}");
        Check(MinObjectScale > 0 && MinObjectScale <= MaxObjectScale, nameof(MinObjectScale), $"must be in (0, MaxObjectScale], was {MinObjectScale}");
        Check(MaxObjectScale <= 1, nameof(MaxObjectScale), $"must be <= 1, was {MaxObjectScale}");
        Check(MinObjectScale * ImageSize >= 4, nameof(MinObjectScale), $"objects must be at least 4 px (MinObjectScale·ImageSize = {MinObjectScale * ImageSize:G3})");
        Check(MaxRotationDegrees is null or (>= 0 and <= 180), nameof(MaxRotationDegrees), $"must be in 0..180 or null, was {MaxRotationDegrees}");
        Check(MaxOverlapIou is >= 0 and <= 1, nameof(MaxOverlapIou), $"must be in [0, 1], was {MaxOverlapIou}");
        Check(MinVisibleFraction is > 0 and <= 1, nameof(MinVisibleFraction), $"must be in (0, 1], was {MinVisibleFraction}");
        Check(TruncationProbability is >= 0 and <= 1, nameof(TruncationProbability), $"must be in [0, 1], was {TruncationProbability}");
        Check(MaxOutsideFraction is >= 0 and < 1, nameof(MaxOutsideFraction), $"must be in [0, 1), was {MaxOutsideFraction}");
        Check(MinInImageFraction is > 0 and <= 1, nameof(MinInImageFraction), $"must be in (0, 1], was {MinInImageFraction}");
        Check(TextureWeights is { Length: 3 } && TextureWeights.All(w => w >= 0) && TextureWeights.Sum() > 0,
              nameof(TextureWeights), "needs 3 non-negative weights (solid, stripes, noise) with a positive sum");
        Check(MinObjectContrast is >= 0 and <= 500, nameof(MinObjectContrast), $"must be in 0..500, was {MinObjectContrast}");
        Check(BackgroundNoise is >= 0 and <= 64, nameof(BackgroundNoise), $"must be in 0..64, was {BackgroundNoise}");
        Check(MaxClutterLines is >= 0 and <= 16, nameof(MaxClutterLines), $"must be in 0..16, was {MaxClutterLines}");
        Check(MaxPlacementAttempts >= 1, nameof(MaxPlacementAttempts), $"must be >= 1, was {MaxPlacementAttempts}");
        Check(SmallAreaFraction > 0 && SmallAreaFraction < LargeAreaFraction, nameof(SmallAreaFraction), "must be positive and below LargeAreaFraction");
        Check(LargeAreaFraction < 1, nameof(LargeAreaFraction), $"must be < 1, was {LargeAreaFraction}");
        Check(DetectionTrainCount >= 1, nameof(DetectionTrainCount), $"must be >= 1, was {DetectionTrainCount}");
        Check(DetectionValCount >= 1, nameof(DetectionValCount), $"must be >= 1, was {DetectionValCount}");
        Check(UnlabeledCount >= 0, nameof(UnlabeledCount), $"must be >= 0, was {UnlabeledCount}");
        Check(ClassificationTrainPerClass is >= 1 and <= 1_000_000, nameof(ClassificationTrainPerClass), $"must be in 1..1000000, was {ClassificationTrainPerClass}");
        Check(ClassificationValPerClass is >= 1 and <= 1_000_000, nameof(ClassificationValPerClass), $"must be in 1..1000000, was {ClassificationValPerClass}");
        Check(ClassificationMaxDistractors is >= 0 and <= 8, nameof(ClassificationMaxDistractors), $"must be in 0..8, was {ClassificationMaxDistractors}");
        Check(SegmentationTrainCount >= 1, nameof(SegmentationTrainCount), $"must be >= 1, was {SegmentationTrainCount}");
        Check(SegmentationTrainAugCount >= SegmentationTrainCount, nameof(SegmentationTrainAugCount), "must be >= SegmentationTrainCount (train ⊂ train+aug)");
        Check(SegmentationValCount >= 1, nameof(SegmentationValCount), $"must be >= 1, was {SegmentationValCount}");
    }

    /// <summary>Area (pixels) below which an object counts as small.</summary>
    [JsonIgnore] public double SmallMaxArea => SmallAreaFraction * ImageSize * ImageSize;
    /// <summary>Area (pixels) above which an object counts as large.</summary>
    [JsonIgnore] public double LargeMinArea => LargeAreaFraction * ImageSize * ImageSize;
}
