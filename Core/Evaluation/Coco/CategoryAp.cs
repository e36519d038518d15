using System.Text.Json.Serialization;

namespace Repro.Core.Evaluation.Coco;

/// <summary>AP of one category: precision averaged over IoU thresholds and recall points at area "all" and the
/// largest maxDets; −1 when the category has no non-ignored ground truth (excluded from the means).</summary>
public sealed record CategoryAp
{
    [JsonPropertyName("category_id")] public int CategoryId { get; init; }
    [JsonPropertyName("name")] public string Name { get; init; } = "";
    [JsonPropertyName("ap")] public double Ap { get; init; }
}
