using TorchSharp;
using static TorchSharp.torch;

namespace Repro.Core.Models;

/// <summary>Creates the normalisation layer a <see cref="NormKind"/> names.</summary>
public static class NormLayers
{
    /// <summary>
    /// A norm layer over <paramref name="channels"/> channels. GroupNorm uses <paramref name="groups"/> groups, or fewer
    /// (the largest divisor of the channel count not above it) where the channel count is not divisible.
    /// </summary>
    public static nn.Module<Tensor, Tensor> Create(NormKind kind, long channels, int groups = 32, double eps = 1e-5, double momentum = 0.1)
    {
        if (channels <= 0) throw new ArgumentException($"channels must be positive, got {channels}", nameof(channels));
        nn.Module<Tensor, Tensor> norm = kind switch
        {
            NormKind.BatchNorm => nn.BatchNorm2d(channels, eps: eps, momentum: momentum),
            NormKind.GroupNorm => nn.GroupNorm(GroupCount(channels, groups), channels, eps: eps),
            NormKind.FrozenBatchNorm => new FrozenBatchNorm2d(channels, eps),
            _ => throw new ArgumentException($"unknown norm kind {kind}", nameof(kind)),
        };
        return ResetAffine(norm);
    }

    /// <summary>GroupNorm over <paramref name="channels"/> with at most <paramref name="groups"/> groups, affine reset to (1, 0).</summary>
    public static nn.Module<Tensor, Tensor> GroupNorm(long channels, int groups, double eps = 1e-5) =>
        ResetAffine(nn.GroupNorm(GroupCount(channels, groups), channels, eps: eps));

    /// <summary>
    /// Sets a norm layer's affine weight to 1 and bias to 0. TorchSharp 0.107's GroupNorm leaves both uninitialised
    /// (garbage memory, often NaN), so every norm layer built here goes through this.
    /// </summary>
    public static T ResetAffine<T>(T norm) where T : nn.Module
    {
        using var _ = no_grad();
        foreach (var (name, p) in norm.named_parameters())
        {
            if (name == "weight") p.fill_(1);
            else if (name == "bias") p.fill_(0);
        }
        return norm;
    }

    /// <summary>The largest group count ≤ <paramref name="groups"/> that divides <paramref name="channels"/>.</summary>
    public static long GroupCount(long channels, int groups)
    {
        if (groups <= 0) throw new ArgumentException($"GroupNorm groups must be positive, got {groups}", nameof(groups));
        long g = Math.Min(groups, channels);
        while (channels % g != 0) g--;
        return g;
    }
}
