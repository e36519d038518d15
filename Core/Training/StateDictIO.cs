using TorchSharp;
using static TorchSharp.torch;

namespace Repro.Core.Training;

/// <summary>
/// Saving and loading module state dicts (parameters and buffers by name). The file format is TorchSharp's own
/// (<c>Module.save</c>/<c>Module.load</c>: an entry count, then name + tensor per entry), so files interoperate with
/// TorchSharp; writes are atomic (temp file + rename). Loads check names, shapes and dtypes and fail with a
/// <see cref="StateDictMismatchException"/> listing every problem before anything is copied.
/// </summary>
public static class StateDictIO
{
    /// <summary>Writes the state dict of <paramref name="module"/> to <paramref name="path"/> atomically.</summary>
    public static void Save(nn.Module module, string path)
    {
        ArgumentNullException.ThrowIfNull(module);
        Save(module.state_dict(), path);
    }

    /// <summary>Writes <paramref name="stateDict"/> to <paramref name="path"/> atomically.</summary>
    public static void Save(IReadOnlyDictionary<string, Tensor> stateDict, string path)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        AtomicFile.Write(path, tmp =>
        {
            using var stream = File.Create(tmp);
            using var writer = new BinaryWriter(stream);
            Write(writer, stateDict);
        });
    }

    /// <summary>Reads a state dict file into CPU tensors (the caller owns and disposes them).</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a readable state dict.</exception>
    public static Dictionary<string, Tensor> Read(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"state dict file not found: {path}", path);
        using var stream = File.OpenRead(path);
        using var reader = new BinaryReader(stream);
        return Read(reader, path);
    }

    /// <summary>Loads the file into <paramref name="module"/>: every module key must be present with the same shape and dtype, and no extra keys.</summary>
    public static void Load(nn.Module module, string path) => LoadPartial(module, path, targetPrefix: "");

    /// <summary>Loads <paramref name="stateDict"/> into <paramref name="module"/> strictly (all keys, shapes, dtypes).</summary>
    public static void Load(nn.Module module, IReadOnlyDictionary<string, Tensor> stateDict, string sourceName = "memory") =>
        LoadPartial(module, stateDict, targetPrefix: "", sourcePrefix: "", allowUnexpected: false, sourceName);

    /// <summary>
    /// Loads part of a module from a file: see
    /// <see cref="LoadPartial(nn.Module, IReadOnlyDictionary{string, Tensor}, string, string, bool, string)"/>.
    /// </summary>
    public static PartialLoadResult LoadPartial(nn.Module module, string path, string targetPrefix, string sourcePrefix = "", bool allowUnexpected = false)
    {
        var source = Read(path);
        try
        {
            return LoadPartial(module, source, targetPrefix, sourcePrefix, allowUnexpected, path);
        }
        finally
        {
            foreach (var t in source.Values) t.Dispose();
        }
    }

    /// <summary>
    /// Loads the module entries whose names start with <paramref name="targetPrefix"/> (e.g. "backbone.") from the
    /// source entries named <paramref name="sourcePrefix"/> + the rest of the name (e.g. "" for a file saved from the
    /// backbone alone). Strict for that prefix: every such module entry must exist in the source with the same shape
    /// and dtype, and (unless <paramref name="allowUnexpected"/>) every source entry under
    /// <paramref name="sourcePrefix"/> must be used. Entries outside the prefix are left untouched.
    /// </summary>
    /// <exception cref="StateDictMismatchException">Missing, unexpected or mismatched keys; nothing was loaded.</exception>
    /// <exception cref="ArgumentException">The module has no entry under <paramref name="targetPrefix"/>.</exception>
    public static PartialLoadResult LoadPartial(nn.Module module, IReadOnlyDictionary<string, Tensor> source, string targetPrefix,
        string sourcePrefix = "", bool allowUnexpected = false, string sourceName = "memory")
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(targetPrefix);
        ArgumentNullException.ThrowIfNull(sourcePrefix);

        var target = module.state_dict();
        var targetKeys = target.Keys.Where(k => k.StartsWith(targetPrefix, StringComparison.Ordinal)).ToList();
        if (targetKeys.Count == 0)
            throw new ArgumentException($"the module has no state-dict entries under prefix '{targetPrefix}'", nameof(targetPrefix));

        var missing = new List<string>();
        var mismatched = new List<(string, string, string)>();
        var used = new HashSet<string>(StringComparer.Ordinal);
        var pairs = new List<(Tensor Target, Tensor Source)>();
        foreach (var key in targetKeys)
        {
            var sourceKey = sourcePrefix + key[targetPrefix.Length..];
            if (!source.TryGetValue(sourceKey, out var s))
            {
                missing.Add(key);
                continue;
            }
            used.Add(sourceKey);
            var t = target[key];
            if (!t.shape.SequenceEqual(s.shape) || t.dtype != s.dtype)
                mismatched.Add((key, Describe(t), Describe(s)));
            else
                pairs.Add((t, s));
        }
        var unexpected = source.Keys
            .Where(k => k.StartsWith(sourcePrefix, StringComparison.Ordinal) && !used.Contains(k))
            .ToList();

        if (missing.Count > 0 || mismatched.Count > 0 || (unexpected.Count > 0 && !allowUnexpected))
            throw new StateDictMismatchException(sourceName, missing, allowUnexpected ? [] : unexpected, mismatched);

        using (no_grad())
        {
            foreach (var (t, s) in pairs) t.copy_(s);
        }
        var untouched = target.Keys.Where(k => !k.StartsWith(targetPrefix, StringComparison.Ordinal)).ToList();
        return new PartialLoadResult(targetKeys, untouched, allowUnexpected ? unexpected : []);
    }

    static string Describe(Tensor t) => $"{t.dtype} [{string.Join(", ", t.shape)}]";

    /// <summary>Writes entries in TorchSharp's module format to an open writer.</summary>
    internal static void Write(BinaryWriter writer, IReadOnlyDictionary<string, Tensor> stateDict)
    {
        writer.Write7BitEncodedInt64(stateDict.Count); // LEB128, as TorchSharp writes it
        foreach (var (name, tensor) in stateDict)
        {
            writer.Write(name);
            using var scope = NewDisposeScope(); // detach/cpu/contiguous may each make a new handle
            tensor.detach().cpu().contiguous().Save(writer);
        }
    }

    /// <summary>
    /// Checks the header of the tensor entry at the reader's position — element type, rank, dimensions (LEB128, as
    /// TorchSharp writes them) — against the bytes left in the file, and rewinds. A damaged header is then an
    /// <see cref="InvalidDataException"/> naming the entry, before <see cref="Tensor.Load(BinaryReader)"/> would try to
    /// allocate what it claims.
    /// </summary>
    static void CheckTensorHeader(BinaryReader reader, string source, string name)
    {
        var stream = reader.BaseStream;
        long start = stream.Position;
        long code = reader.Read7BitEncodedInt64();
        long elementSize = code switch
        {
            (long)ScalarType.Byte or (long)ScalarType.Int8 or (long)ScalarType.Bool => 1,
            (long)ScalarType.Int16 or (long)ScalarType.Float16 or (long)ScalarType.BFloat16 => 2,
            (long)ScalarType.Int32 or (long)ScalarType.Float32 => 4,
            (long)ScalarType.Int64 or (long)ScalarType.Float64 or (long)ScalarType.ComplexFloat32 => 8,
            (long)ScalarType.ComplexFloat64 => 16,
            _ => throw new InvalidDataException($"{source}: entry '{name}' has unknown element type code {code}"),
        };
        long rank = reader.Read7BitEncodedInt64();
        if (rank is < 0 or > 64) throw new InvalidDataException($"{source}: entry '{name}' has rank {rank}");
        long bytes = elementSize;
        for (long d = 0; d < rank; d++)
        {
            long size = reader.Read7BitEncodedInt64();
            if (size < 0 || (size > 0 && bytes > long.MaxValue / size))
                throw new InvalidDataException($"{source}: entry '{name}' has an impossible dimension {size}");
            bytes *= size;
        }
        long left = stream.Length - stream.Position;
        if (bytes > left)
            throw new InvalidDataException($"{source}: entry '{name}' claims {bytes} bytes of data but the file has {left} left");
        stream.Position = start;
    }

    /// <summary>Reads entries in TorchSharp's module format from an open reader; <paramref name="source"/> names it in errors.</summary>
    internal static Dictionary<string, Tensor> Read(BinaryReader reader, string source)
    {
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            var count = reader.Read7BitEncodedInt64();
            if (count < 0 || count > 1_000_000) throw new InvalidDataException($"{source}: bad state-dict entry count {count}");
            for (long i = 0; i < count; i++)
            {
                var name = reader.ReadString();
                CheckTensorHeader(reader, source, name);
                var tensor = Tensor.Load(reader);
                if (!result.TryAdd(name, tensor))
                {
                    tensor.Dispose();
                    throw new InvalidDataException($"{source}: duplicate state-dict key '{name}'");
                }
            }
            return result;
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or ArgumentException or FormatException)
        {
            foreach (var t in result.Values) t.Dispose();
            throw new InvalidDataException($"{source}: not a readable state dict ({e.Message})", e);
        }
        catch
        {
            foreach (var t in result.Values) t.Dispose();
            throw;
        }
    }
}
