using System.Text;
using System.Text.Json.Nodes;

namespace Repro.Core;

/// <summary>
/// Canonical JSON: object keys sorted ordinally, no insignificant whitespace, numbers as System.Text.Json writes
/// them; equal values get equal text whatever the field order in code or file.
/// </summary>
public static class CanonicalJson
{
    /// <summary>A deep copy of <paramref name="node"/> with every object's keys in ordinal order.</summary>
    public static JsonNode? Sort(JsonNode? node) => node switch
    {
        null => null,
        JsonObject o => new JsonObject(o.OrderBy(kv => kv.Key, StringComparer.Ordinal)
                                        .Select(kv => KeyValuePair.Create(kv.Key, Sort(kv.Value)))),
        JsonArray a => new JsonArray(a.Select(Sort).ToArray()),
        _ => node.DeepClone(),
    };

    /// <summary>The canonical text of any JSON text.</summary>
    public static string Canonicalize(string json) => Sort(JsonNode.Parse(json))?.ToJsonString() ?? "null";

    /// <summary>Lower-case hex SHA-256 of a string's UTF-8 bytes.</summary>
    public static string Sha256(string text) => Data.FileHash.Sha256(Encoding.UTF8.GetBytes(text));
}
