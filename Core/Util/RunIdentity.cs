using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Repro.Core;

/// <summary>
/// What names a run: the canonical JSON of its config without the properties marked <see cref="ExecutionOnlyAttribute"/>,
/// with file paths under known roots written as symbols (the data's identity, a prerequisite run's hash), so that
/// moving the data or the results folder, or changing how a run executes, names the same run. The harness's run
/// names and the trainer's checkpoint fingerprint both come from here.
/// </summary>
public static class RunIdentity
{
    /// <summary>Bumped when the meaning of a spec changes, so that every run is renamed at once.</summary>
    public const int SpecVersion = 2;

    static readonly JsonSerializerOptions Options = new()
    {
        TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { LeaveOutExecutionOnly } },
        Converters = { new JsonStringEnumConverter() },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    static void LeaveOutExecutionOnly(JsonTypeInfo info)
    {
        if (info.Kind != JsonTypeInfoKind.Object) return;
        for (var i = info.Properties.Count - 1; i >= 0; i--)
            if (info.Properties[i].AttributeProvider?.IsDefined(typeof(ExecutionOnlyAttribute), inherit: true) == true)
                info.Properties.RemoveAt(i);
    }

    /// <summary>The config's identifying JSON, canonical, paths under <paramref name="roots"/> replaced by their symbol.</summary>
    public static JsonNode Of(object config, IReadOnlyList<(string Root, string Symbol)>? roots = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        var node = JsonSerializer.SerializeToNode(config, config.GetType(), Options)!;
        var full = (roots ?? []).Select(r => (Root: Path.GetFullPath(r.Root), r.Symbol)).ToList();
        return CanonicalJson.Sort(full.Count == 0 ? node : Symbolize(node, full))!;
    }

    /// <summary><see cref="Of"/> as text: what a checkpoint's fingerprint and a pseudo-label set's hash are made of.</summary>
    public static string TextOf(object config) => Of(config).ToJsonString();

    /// <summary>The spec a run is named by: its kind, the data's identity and its config's identifying JSON.</summary>
    public static JsonNode Spec(string kind, string dataIdentity, object config, IReadOnlyList<(string Root, string Symbol)> roots) =>
        CanonicalJson.Sort(new JsonObject
        {
            ["kind"] = kind,
            ["specVersion"] = SpecVersion,
            ["data"] = dataIdentity,
            ["config"] = Of(config, roots),
        })!;

    /// <summary>A run's name: the first 16 hex digits of the SHA-256 of its spec's canonical text.</summary>
    public static string Name(JsonNode spec) => CanonicalJson.Sha256(CanonicalJson.Sort(spec)!.ToJsonString())[..16];

    static JsonNode? Symbolize(JsonNode? node, List<(string Root, string Symbol)> roots)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var key in o.Select(kv => kv.Key).ToList()) o[key] = Symbolize(o[key]?.DeepClone(), roots);
                return o;
            case JsonArray a:
                return new JsonArray(a.Select(x => Symbolize(x?.DeepClone(), roots)).ToArray());
            case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                var text = v.GetValue<string>();
                foreach (var (root, symbol) in roots)
                    if (text.StartsWith(root, StringComparison.Ordinal))
                        return JsonValue.Create(symbol + text[root.Length..].Replace('\\', '/'));
                return v;
            default:
                return node;
        }
    }
}
