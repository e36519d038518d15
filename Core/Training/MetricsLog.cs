using System.Text;
using System.Text.Json;

namespace Repro.Core.Training;

/// <summary>
/// Training metrics as JSON lines: one object per logged step, keys in a fixed order
/// (<c>step</c>, <c>lr</c>, the loss parts, then <c>grad_norm</c>, <c>images_per_s</c>, <c>elapsed_s</c> when known).
/// On resume, lines for steps at or after the resume point (written by the interrupted run after its last
/// checkpoint) are dropped so the file again has one line per logged step.
/// </summary>
public sealed class MetricsLog
{
    /// <summary>The JSONL file.</summary>
    public string Path { get; }

    /// <summary>Opens (creating) <paramref name="path"/>, keeping only lines whose step is below <paramref name="resumeStep"/>.</summary>
    public MetricsLog(string path, long resumeStep)
    {
        Path = path;
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        if (!File.Exists(path))
        {
            File.WriteAllText(path, "");
            return;
        }
        var kept = File.ReadLines(path).Where(line => line.Length > 0 && StepOf(line, path) < resumeStep).ToList();
        AtomicFile.WriteAllText(path, kept.Count == 0 ? "" : string.Join('\n', kept) + "\n");
    }

    /// <summary>Appends one line.</summary>
    public void Append(long step, double learningRate, IReadOnlyDictionary<string, double> losses, double? gradNorm,
        double? imagesPerSecond, double elapsedSeconds)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("step", step);
            json.WriteNumber("lr", learningRate);
            foreach (var (name, value) in losses) json.WriteNumber(name, value);
            if (gradNorm is { } g) json.WriteNumber("grad_norm", g);
            if (imagesPerSecond is { } ips) json.WriteNumber("images_per_s", ips);
            json.WriteNumber("elapsed_s", elapsedSeconds);
            json.WriteEndObject();
        }
        File.AppendAllText(Path, Encoding.UTF8.GetString(buffer.ToArray()) + "\n");
    }

    static long StepOf(string line, string path)
    {
        try
        {
            using var doc = JsonDocument.Parse(line);
            return doc.RootElement.GetProperty("step").GetInt64();
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            // A line cut short by a kill mid-write is dropped; anything else in the file is a real problem.
            if (!line.TrimEnd().EndsWith('}')) return long.MaxValue;
            throw new InvalidDataException($"{path}: unreadable metrics line '{line}'", e);
        }
    }
}
