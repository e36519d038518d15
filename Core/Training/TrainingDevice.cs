using TorchSharp;

namespace Repro.Core.Training;

/// <summary>Turns the <see cref="TrainerOptions.Device"/> string into a torch device, failing clearly when CUDA is asked for but absent.</summary>
public static class TrainingDevice
{
    /// <summary>Parses "cpu", "cuda" or "cuda:N"; throws <see cref="ArgumentException"/> for anything else or when CUDA is unavailable.</summary>
    public static torch.Device Resolve(string device)
    {
        var text = (device ?? "").Trim().ToLowerInvariant();
        if (text == "cpu") return torch.CPU;
        if (text == "cuda" || text.StartsWith("cuda:", StringComparison.Ordinal))
        {
            var index = 0;
            if (text.Length > 4 && (!int.TryParse(text.AsSpan(5), out index) || index < 0))
                throw new ArgumentException($"TrainerOptions.Device: bad CUDA device '{device}' (expected \"cuda\" or \"cuda:N\")", nameof(device));
            if (!torch.cuda.is_available())
                throw new ArgumentException(
                    $"TrainerOptions.Device is '{device}' but CUDA is not available: this process loaded a CPU-only libtorch " +
                    "(TorchSharp-cpu) or no GPU/driver is visible. Reference TorchSharp-cuda-linux/-windows instead of TorchSharp-cpu, or use \"cpu\".",
                    nameof(device));
            var count = torch.cuda.device_count();
            if (index >= count)
                throw new ArgumentException($"TrainerOptions.Device: '{device}' asks for CUDA device {index} but only {count} are visible", nameof(device));
            return torch.device(DeviceType.CUDA, index);
        }
        throw new ArgumentException($"TrainerOptions.Device: unknown device '{device}' (expected \"cpu\", \"cuda\" or \"cuda:N\")", nameof(device));
    }
}
