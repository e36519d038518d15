using TorchSharp;
using static TorchSharp.torch;

namespace Repro.Core.Models;

/// <summary>
/// Batch normalisation whose statistics and affine parameters are constants (buffers, not parameters), so
/// fine-tuning with small batches cannot disturb a pre-trained backbone. Its state-dict names match BatchNorm2d's
/// (weight, bias, running_mean, running_var), so BatchNorm weights load into it by name.
/// </summary>
public sealed class FrozenBatchNorm2d : nn.Module<Tensor, Tensor>
{
    readonly double _eps;
    readonly Tensor weight, bias, running_mean, running_var;

    public FrozenBatchNorm2d(long channels, double eps = 1e-5) : base(nameof(FrozenBatchNorm2d))
    {
        if (channels <= 0) throw new ArgumentException($"channels must be positive, got {channels}", nameof(channels));
        _eps = eps;
        weight = ones(channels);
        bias = zeros(channels);
        running_mean = zeros(channels);
        running_var = ones(channels);
        register_buffer(nameof(weight), weight);
        register_buffer(nameof(bias), bias);
        register_buffer(nameof(running_mean), running_mean);
        register_buffer(nameof(running_var), running_var);
    }

    public long Channels => weight.shape[0];

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var scale = weight * (running_var + _eps).rsqrt();
        var shift = bias - running_mean * scale;
        return (x * scale.view(1, -1, 1, 1) + shift.view(1, -1, 1, 1)).MoveToOuterDisposeScope();
    }
}
