using System.Text.Json.Serialization;

namespace Repro.Core.Data.Fractions;

/// <summary>
/// Which images form a labelled fraction (the paper's 20% / 50% / 100% of COCO), written next to the runs that use
/// it. <see cref="ContentHash"/> is the SHA-256 of the manifest's canonical JSON with ContentHash itself empty, so a
/// run record can cite the exact subset by hash. Create with <see cref="LabelledFraction.CreateManifest"/>.
/// </summary>
public sealed record LabelledFractionManifest
{
    [JsonPropertyName("fraction")] public double Fraction { get; init; }
    [JsonPropertyName("seed")] public int Seed { get; init; }
    /// <summary>File name of the instances file the ids were drawn from (informational).</summary>
    [JsonPropertyName("source_file")] public string SourceFile { get; init; } = "";
    /// <summary>SHA-256 of the instances file's bytes.</summary>
    [JsonPropertyName("source_sha256")] public string SourceSha256 { get; init; } = "";
    /// <summary>How many images the source offered (the 100% set).</summary>
    [JsonPropertyName("source_image_count")] public int SourceImageCount { get; init; }
    /// <summary>The chosen image ids, ascending.</summary>
    [JsonPropertyName("image_ids")] public long[] ImageIds { get; init; } = Array.Empty<long>();
    /// <summary>Share of the source held out of every fraction (the minival schedules are selected on); 0: none.</summary>
    [JsonPropertyName("held_out_share"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public double HeldOutShare { get; init; }
    /// <summary>The held-out image ids, ascending (null when none are held out).</summary>
    [JsonPropertyName("held_out_image_ids"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long[]? HeldOutImageIds { get; init; }
    [JsonPropertyName("content_hash")] public string ContentHash { get; init; } = "";
}
