using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Repro.Core.Data.Coco;

namespace Repro.Core.Evaluation.Coco;

/// <summary>
/// JSON reading for evaluation inputs: fields evaluation cannot do without are required (a missing one is an error,
/// not a silent 0), NaN/Infinity literals (which Python's json writes) are read so validation can name them, and
/// every parse failure becomes an InvalidDataException naming the file, the JSON path and the line.
/// </summary>
internal static class EvalJson
{
    static readonly Dictionary<Type, string[]> Required = new()
    {
        [typeof(CocoAnnotation)] = new[] { "id", "image_id", "category_id", "bbox", "area" },
        [typeof(CocoImage)] = new[] { "id" },
        [typeof(CocoCategory)] = new[] { "id" },
    };

    public static readonly JsonSerializerOptions Options = new()
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { MarkRequired } },
    };

    static void MarkRequired(JsonTypeInfo info)
    {
        if (!Required.TryGetValue(info.Type, out var names)) return;
        foreach (var prop in info.Properties)
            if (Array.IndexOf(names, prop.Name) >= 0) prop.IsRequired = true;
    }

    public static T Read<T>(string path, string what)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{what} file not found: {path}", path);
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            return JsonSerializer.Deserialize<T>(stream, Options)
                   ?? throw new InvalidDataException($"{path}: {what} file holds JSON null");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException(
                $"{path}: malformed {what} JSON at {e.Path ?? "$"} (line {(e.LineNumber ?? 0) + 1}): {e.Message}", e);
        }
    }
}
