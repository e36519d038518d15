using System.Globalization;
using System.Text.Json;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Repro.Core.Training;

/// <summary>
/// A resumable snapshot of a training run in one file: completed step count, the options fingerprint, the last
/// losses, the model state dict (with the loss callback's state under <see cref="LossStatePrefix"/>, when the run has
/// one), the optimizer state (momentum buffers / Adam moments and step counts) and torch's CPU RNG state. Files are
/// <c>step-NNNNNNNNN.ckpt</c> in a checkpoint folder and are written atomically.
/// </summary>
public static class TrainingCheckpoint
{
    const string Magic = "repro-training-checkpoint";
    const int Version = 1;
    const string Prefix = "step-";
    const string Extension = ".ckpt";

    /// <summary>The prefix of the loss state's entries (<see cref="Trainer.LossState"/>) in a checkpoint's state dict.</summary>
    public const string LossStatePrefix = "loss_state.";

    /// <summary>Metadata stored at the head of a checkpoint.</summary>
    /// <param name="Step">Completed steps.</param>
    /// <param name="Fingerprint">Canonical JSON of the options that shape the trajectory (see <see cref="Fingerprint"/>).</param>
    /// <param name="Losses">Loss parts of the last completed step.</param>
    public sealed record Header(long Step, string Fingerprint, IReadOnlyDictionary<string, double> Losses);

    /// <summary>The file name of the checkpoint after <paramref name="step"/> completed steps.</summary>
    public static string FileName(long step) => $"{Prefix}{step.ToString("D9", CultureInfo.InvariantCulture)}{Extension}";

    /// <summary>All checkpoints in <paramref name="directory"/> as (step, path), ascending by step; empty when none.</summary>
    public static IReadOnlyList<(long Step, string Path)> List(string directory)
    {
        if (!Directory.Exists(directory)) return [];
        var found = new List<(long, string)>();
        foreach (var path in Directory.EnumerateFiles(directory, $"{Prefix}*{Extension}"))
        {
            var name = Path.GetFileName(path);
            var digits = name[Prefix.Length..^Extension.Length];
            if (long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var step)) found.Add((step, path));
        }
        return found.OrderBy(x => x.Item1).ToList();
    }

    /// <summary>The path of the checkpoint with the most completed steps in <paramref name="directory"/>, or null.</summary>
    public static string? FindLatest(string directory) => List(directory).LastOrDefault().Path;

    /// <summary>
    /// The options that shape the trajectory (<see cref="RunIdentity"/>: everything but the execution-only ones). A
    /// checkpoint resumes only under the same fingerprint.
    /// </summary>
    public static string Fingerprint(TrainerOptions options) => RunIdentity.TextOf(options);

    /// <summary>Writes a checkpoint to <paramref name="path"/> atomically; <paramref name="lossState"/>'s entries join
    /// the model's under <see cref="LossStatePrefix"/>.</summary>
    public static void Save(string path, Header header, nn.Module model, OptimizerHelper optimizer, nn.Module? lossState = null)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        AtomicFile.Write(path, tmp =>
        {
            using var stream = File.Create(tmp);
            using var writer = new BinaryWriter(stream);
            writer.Write(Magic);
            writer.Write(Version);
            writer.Write(JsonSerializer.Serialize(header));
            StateDictIO.Write(writer, StateOf(model, lossState));
            optimizer.save_state_dict(writer);
            using var rng = torch.get_rng_state();
            rng.Save(writer);
        });
    }

    /// <summary>Reads only the header of a checkpoint.</summary>
    public static Header ReadHeader(string path)
    {
        using var stream = OpenOrThrow(path);
        using var reader = new BinaryReader(stream);
        return ReadHeader(reader, path);
    }

    /// <summary>Loads only the model weights of a checkpoint into <paramref name="model"/> (strict by name, shape and
    /// dtype; a loss state is left out).</summary>
    public static Header LoadModel(string path, nn.Module model)
    {
        using var stream = OpenOrThrow(path);
        using var reader = new BinaryReader(stream);
        var header = ReadHeader(reader, path);
        LoadState(reader, path, model, lossState: null, skipLossState: true);
        return header;
    }

    /// <summary>
    /// Restores model, loss state, optimizer and torch RNG from <paramref name="path"/> after checking that it was
    /// written under <paramref name="expectedFingerprint"/>; optimizer state is moved to the parameters' device.
    /// </summary>
    /// <exception cref="InvalidDataException">Not a checkpoint, a different version, or written with other options.</exception>
    /// <exception cref="StateDictMismatchException">The model's or the loss state's entries do not match.</exception>
    /// <exception cref="InvalidDataException">A loss state is given but the checkpoint holds none.</exception>
    public static Header Restore(string path, string expectedFingerprint, nn.Module model, OptimizerHelper optimizer, nn.Module? lossState = null)
    {
        using var stream = OpenOrThrow(path);
        using var reader = new BinaryReader(stream);
        var header = ReadHeader(reader, path);
        if (header.Fingerprint != expectedFingerprint)
            throw new InvalidDataException(
                $"{path}: checkpoint was written with different training options, so resuming would not reproduce the run. " +
                $"Checkpoint: {header.Fingerprint}; now: {expectedFingerprint}. Use a new output folder or the original options.");
        LoadState(reader, path, model, lossState, skipLossState: false);
        try
        {
            optimizer.load_state_dict(reader);
            using var rng = Tensor.Load(reader);
            torch.set_rng_state(rng);
        }
        catch (Exception e) when (e is EndOfStreamException or ArgumentException or IOException)
        {
            throw new InvalidDataException($"{path}: optimizer or RNG state unreadable ({e.Message})", e);
        }
        MoveOptimizerState(optimizer, model.parameters().FirstOrDefault()?.device ?? CPU);
        return header;
    }

    /// <summary>Deletes all but the newest <paramref name="keep"/> checkpoints in <paramref name="directory"/>.</summary>
    public static void Prune(string directory, int keep)
    {
        var all = List(directory);
        for (var i = 0; i < all.Count - keep; i++) File.Delete(all[i].Path);
    }

    static FileStream OpenOrThrow(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"checkpoint not found: {path}", path);
        return File.OpenRead(path);
    }

    static Header ReadHeader(BinaryReader reader, string path)
    {
        try
        {
            var magic = reader.ReadString();
            if (magic != Magic) throw new InvalidDataException($"{path}: not a training checkpoint (header '{Truncate(magic)}')");
            var version = reader.ReadInt32();
            if (version != Version) throw new InvalidDataException($"{path}: checkpoint version {version}, this build reads {Version}");
            return JsonSerializer.Deserialize<Header>(reader.ReadString())
                   ?? throw new InvalidDataException($"{path}: empty checkpoint header");
        }
        catch (Exception e) when (e is EndOfStreamException or JsonException or IOException)
        {
            throw new InvalidDataException($"{path}: truncated or corrupt checkpoint header ({e.Message})", e);
        }
    }

    static string Truncate(string s) => s.Length > 40 ? s[..40] + "…" : s;

    static bool IsLossState(string key) => key.StartsWith(LossStatePrefix, StringComparison.Ordinal);

    static Dictionary<string, Tensor> StateOf(nn.Module model, nn.Module? lossState)
    {
        var state = model.state_dict();
        if (lossState is null) return state;
        // A model entry under the prefix would be read back as loss state.
        if (state.Keys.FirstOrDefault(IsLossState) is { } clash)
            throw new ArgumentException($"model state entry '{clash}' uses the prefix reserved for the loss state ({LossStatePrefix})", nameof(model));
        var all = new Dictionary<string, Tensor>(state, StringComparer.Ordinal);
        foreach (var (name, t) in lossState.state_dict()) all.Add(LossStatePrefix + name, t);
        return all;
    }

    // Strict for the model and, when given, the loss state; without one, loss-state entries are the model's unexpected
    // entries unless skipped.
    static void LoadState(BinaryReader reader, string path, nn.Module model, nn.Module? lossState, bool skipLossState)
    {
        var state = StateDictIO.Read(reader, path);
        try
        {
            if (lossState is not null && !skipLossState && !state.Keys.Any(IsLossState))
                throw new InvalidDataException(
                    $"{path}: the run keeps a loss state (the loss normalizer's running means) but this checkpoint holds none " +
                    $"(no '{LossStatePrefix}*' entries: written by a build that did not checkpoint it), so resuming " +
                    "would not continue the run exactly; remove the checkpoints folder to train the run from its start.");
            var own = lossState is null && !skipLossState ? state : state.Where(kv => !IsLossState(kv.Key)).ToDictionary();
            StateDictIO.Load(model, own, path);
            if (lossState is not null)
                StateDictIO.LoadPartial(lossState, state, targetPrefix: "", sourcePrefix: LossStatePrefix, sourceName: path);
        }
        finally
        {
            foreach (var t in state.Values) t.Dispose();
        }
    }

    // TorchSharp's SGD re-creates loaded momentum buffers on the CPU; move them next to the parameters
    // (AdamW loads into its existing, correctly placed moment tensors).
    static void MoveOptimizerState(OptimizerHelper optimizer, Device device)
    {
        if (device.type == DeviceType.CPU) return;
        foreach (var state in optimizer.state_dict().State)
        {
            if (state is SGD.State sgd && sgd.momentum_buffer is { } buffer && (buffer.device_type != device.type || buffer.device_index != device.index))
            {
                sgd.momentum_buffer = buffer.to(device).DetachFromDisposeScope();
                buffer.Dispose();
            }
        }
    }
}
