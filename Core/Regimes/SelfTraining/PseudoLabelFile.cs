using System.Text.Json;
using System.Text.Json.Serialization;
using Repro.Core.Data.Coco;

namespace Repro.Core.Regimes.SelfTraining;

/// <summary>Provenance of a pseudo-label file (its "info" section).</summary>
public sealed record PseudoLabelInfo
{
    [JsonPropertyName("description")] public string Description { get; init; } = "hard pseudo labels from a teacher detector";
    /// <summary>Hash of the labelling config, teacher weights and categories (see <c>PseudoLabeling</c>); a run is
    /// skipped when its outputs carry the same hash.</summary>
    [JsonPropertyName("config_hash")] public string ConfigHash { get; init; } = "";
    [JsonPropertyName("teacher_weights")] public string TeacherWeights { get; init; } = "";
    [JsonPropertyName("images_root")] public string ImagesRoot { get; init; } = "";
    [JsonPropertyName("score_threshold")] public double ScoreThreshold { get; init; }
    [JsonPropertyName("max_boxes_per_image")] public int MaxBoxesPerImage { get; init; }
}

/// <summary>
/// <c>pseudo_labels.json</c>: a COCO instances file (images with file_name relative to the unlabeled folder, width,
/// height; annotations with bbox [x, y, w, h], category_id, area, iscrowd 0 and the teacher's score as an extra
/// field; the teacher's categories) with an "info" section naming where it came from. Every labelled image is
/// listed, also those without boxes.
/// </summary>
public sealed record PseudoLabelFile
{
    [JsonPropertyName("info")] public PseudoLabelInfo Info { get; init; } = new();
    [JsonPropertyName("images")] public List<CocoImage> Images { get; init; } = new();
    [JsonPropertyName("annotations")] public List<PseudoAnnotation> Annotations { get; init; } = new();
    [JsonPropertyName("categories")] public List<CocoCategory> Categories { get; init; } = new();

    static readonly JsonSerializerOptions Options = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    /// <summary>Writes the file atomically.</summary>
    public void Write(string path) => AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, Options));

    /// <summary>Reads a file written by <see cref="Write"/>; <see cref="InvalidDataException"/> naming the file when malformed.</summary>
    public static PseudoLabelFile Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"pseudo-label file not found: {path}", path);
        try
        {
            return JsonSerializer.Deserialize<PseudoLabelFile>(File.ReadAllText(path), Options)
                   ?? throw new InvalidDataException($"{path}: empty pseudo-label file");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: malformed pseudo-label file: {e.Message}", e);
        }
    }
}
