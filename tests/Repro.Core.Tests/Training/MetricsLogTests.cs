using System.Text.Json;
using Repro.Core.Training;
using static Repro.Core.Tests.Training.TrainingTestKit;

namespace Repro.Core.Tests.Training;

public class MetricsLogTests
{
    [Fact]
    public void Resuming_drops_lines_at_or_after_the_resume_step_and_a_half_written_last_line()
    {
        using var dir = new TempDir();
        var path = dir.Sub("metrics.jsonl");
        File.WriteAllText(path, "{\"step\":0,\"lr\":0.1}\n{\"step\":5,\"lr\":0.1}\n{\"step\":10,\"lr\":0.1}\n{\"step\":15,\"lr\":0.1}\n{\"step\":2");

        var log = new MetricsLog(path, resumeStep: 10);
        log.Append(10, 0.05, new Dictionary<string, double> { ["loss"] = 1.25, ["cls"] = 0.5 }, gradNorm: 2, imagesPerSecond: null, elapsedSeconds: 3);

        var lines = File.ReadAllLines(path).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
        Assert.Equal([0L, 5, 10], lines.Select(l => l.GetProperty("step").GetInt64()));
        Assert.Equal(["step", "lr", "loss", "cls", "grad_norm", "elapsed_s"], lines[2].EnumerateObject().Select(p => p.Name));
        Assert.Equal(1.25, lines[2].GetProperty("loss").GetDouble());

        File.AppendAllText(path, "not json}\n");
        Assert.Contains(path, Assert.Throws<InvalidDataException>(() => new MetricsLog(path, 100)).Message);
    }
}
