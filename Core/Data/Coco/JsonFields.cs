using System.Text.Json;

namespace Repro.Core.Data.Coco;

/// <summary>Typed access to JSON fields with errors that name the file and the field path (e.g. images[3].width).</summary>
internal sealed class JsonFields(string file)
{
    public string File { get; } = file;

    public InvalidDataException Error(string field, string message) => new($"{File}: {field}: {message}");

    public JsonElement Required(JsonElement obj, string name, string path)
    {
        if (obj.ValueKind != JsonValueKind.Object) throw Error(path, $"must be an object, got {obj.ValueKind}");
        if (!obj.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
            throw Error($"{path}.{name}", "missing required field");
        return v;
    }

    public bool TryOptional(JsonElement obj, string name, out JsonElement value) =>
        obj.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null;

    public long Long(JsonElement v, string path) =>
        v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var x) ? x : throw Error(path, $"must be an integer, got {Show(v)}");

    public int Int(JsonElement v, string path) =>
        v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var x) ? x : throw Error(path, $"must be a 32-bit integer, got {Show(v)}");

    public double Double(JsonElement v, string path) =>
        v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out var x) && double.IsFinite(x)
            ? x : throw Error(path, $"must be a finite number, got {Show(v)}");

    public string String(JsonElement v, string path) =>
        v.ValueKind == JsonValueKind.String ? v.GetString()! : throw Error(path, $"must be a string, got {Show(v)}");

    public JsonElement Array(JsonElement v, string path) =>
        v.ValueKind == JsonValueKind.Array ? v : throw Error(path, $"must be an array, got {v.ValueKind}");

    static string Show(JsonElement v)
    {
        var raw = v.GetRawText();
        return raw.Length > 40 ? raw[..40] + "…" : raw;
    }
}
