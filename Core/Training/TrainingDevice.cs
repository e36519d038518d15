using TorchSharp;

namespace Repro.Core.Training;

/// <summary>Turns the <see cref="TrainerOptions.Device"/> string into a torch device, failing clearly when CUDA is asked for but absent.</summary>
public static class TrainingDevice
{
    /// <summary>The device strings <see cref="Parse"/> accepts, for messages.</summary>
    public const string Accepted = "cpu | cuda | cuda:N";

    /// <summary>Parses "cpu", "cuda" or "cuda:N" without touching any device (so a command line can be checked before
    /// libtorch is asked); throws <see cref="ArgumentException"/> for anything else.</summary>
    public static (DeviceType Type, int Index) Parse(string device)
    {
        var text = (device ?? "").Trim().ToLowerInvariant();
        if (text == "cpu") return (DeviceType.CPU, 0);
        if (text == "cuda") return (DeviceType.CUDA, 0);
        if (text.StartsWith("cuda:", StringComparison.Ordinal))
        {
            if (!int.TryParse(text.AsSpan(5), out var index) || index < 0)
                throw new ArgumentException($"TrainerOptions.Device: bad CUDA device '{device}' (expected \"cuda\" or \"cuda:N\")", nameof(device));
            return (DeviceType.CUDA, index);
        }
        throw new ArgumentException($"TrainerOptions.Device: unknown device '{device}' (expected \"cpu\", \"cuda\" or \"cuda:N\")", nameof(device));
    }

    /// <summary>Parses as <see cref="Parse"/>; throws <see cref="ArgumentException"/> also when CUDA is unavailable or the device index is not visible.</summary>
    public static torch.Device Resolve(string device)
    {
        var (type, index) = Parse(device);
        if (type == DeviceType.CPU) return torch.CPU;
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
}
