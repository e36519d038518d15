using TorchSharp;
using static TorchSharp.torch;

namespace Repro.Core.Models;

/// <summary>
/// The device a model lives on: its parameters'. The detection and segmentation models own their device (as
/// detectron2's do): their entry points move the tensors they are given there, so loaders, regimes, evaluation and
/// pseudo-labelling build batches on the CPU and the same code runs wherever the trainer moved the model. On the
/// model's own device the move is a no-op.
/// </summary>
public static class ModelDevice
{
    public static Device Of(nn.Module model) => model.parameters().First().device;

    /// <summary><paramref name="t"/> on <paramref name="device"/>: itself where it already is (no new handle, nothing
    /// more to dispose), else a copy there.</summary>
    public static Tensor On(Tensor t, Device device) =>
        t.device_type == device.type && t.device_index == device.index ? t : t.to(device);
}
