using Repro.Core.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Repro.Core.Regimes.Pretraining;

/// <summary>
/// The pre-trained backbone a detection run starts from: the <c>backbone.*</c> entries (parameters and statistics)
/// of a pre-training model's state dict and nothing else, so
/// <c>StateDictIO.LoadPartial(retinaNet, path, "backbone.", "backbone.")</c> loads it strictly.
/// </summary>
public static class BackboneArtifact
{
    public const string Prefix = "backbone.";

    /// <summary>Writes the <c>backbone.*</c> entries of <paramref name="model"/> to <paramref name="path"/> (atomically);
    /// returns how many were written.</summary>
    public static int Save(nn.Module model, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        var entries = model.state_dict().Where(kv => kv.Key.StartsWith(Prefix, StringComparison.Ordinal)).ToDictionary(kv => kv.Key, kv => kv.Value);
        if (entries.Count == 0) throw new ArgumentException($"the model has no state-dict entries under '{Prefix}'", nameof(model));
        StateDictIO.Save(entries, path);
        return entries.Count;
    }

    /// <summary>Loads an artifact into the <c>backbone.*</c> part of <paramref name="model"/> (strict: every backbone
    /// entry must match by name, shape and dtype; a <see cref="StateDictMismatchException"/> lists what does not).</summary>
    public static PartialLoadResult Load(nn.Module model, string path) => StateDictIO.LoadPartial(model, path, Prefix, Prefix);
}
