using System.Text.Json;
using System.Text.Json.Serialization;

namespace Repro.Core.Evaluation.Coco;

/// <summary>
/// The 12 numbers of pycocotools' summarize() (stats[0..11]) plus per-category AP. A value of −1 means "no ground
/// truth to measure against", exactly as pycocotools reports it.
/// </summary>
public sealed record CocoEvalSummary
{
    [JsonPropertyName("iou_type")] public string IouType { get; init; } = "bbox";
    /// <summary>AP @[IoU=0.50:0.95, area=all, maxDets=100] — the headline COCO AP.</summary>
    [JsonPropertyName("AP")] public double AP { get; init; }
    [JsonPropertyName("AP50")] public double AP50 { get; init; }
    [JsonPropertyName("AP75")] public double AP75 { get; init; }
    [JsonPropertyName("APs")] public double APs { get; init; }
    [JsonPropertyName("APm")] public double APm { get; init; }
    [JsonPropertyName("APl")] public double APl { get; init; }
    [JsonPropertyName("AR1")] public double AR1 { get; init; }
    [JsonPropertyName("AR10")] public double AR10 { get; init; }
    [JsonPropertyName("AR100")] public double AR100 { get; init; }
    [JsonPropertyName("ARs")] public double ARs { get; init; }
    [JsonPropertyName("ARm")] public double ARm { get; init; }
    [JsonPropertyName("ARl")] public double ARl { get; init; }
    /// <summary>First and last IoU threshold and the three maxDets, for the text layout.</summary>
    [JsonPropertyName("iou_range")] public double[] IouRange { get; init; } = { 0.5, 0.95 };
    [JsonPropertyName("max_dets")] public int[] MaxDets { get; init; } = { 1, 10, 100 };
    [JsonPropertyName("per_category")] public IReadOnlyList<CategoryAp> PerCategory { get; init; } = Array.Empty<CategoryAp>();

    /// <summary>The 12 numbers in pycocotools' stats order.</summary>
    [JsonIgnore]
    public double[] Stats => new[] { AP, AP50, AP75, APs, APm, APl, AR1, AR10, AR100, ARs, ARm, ARl };

    /// <summary>The 12-line block exactly as pycocotools' summarize() prints it.</summary>
    public string ToText() => CocoSummaryText.Format(this);

    static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    public static CocoEvalSummary FromJson(string json) =>
        JsonSerializer.Deserialize<CocoEvalSummary>(json, JsonOptions) ?? throw new InvalidDataException("summary JSON is null");
}
