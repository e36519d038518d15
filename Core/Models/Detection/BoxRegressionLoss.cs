using System.Text.Json.Serialization;
using static TorchSharp.torch;

namespace Repro.Core.Models.Detection;

/// <summary>Box regression loss kind.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<BoxLossKind>))]
public enum BoxLossKind
{
    /// <summary>|d| (torchvision, mmdetection).</summary>
    L1,
    /// <summary>0.5 d²/β for |d| &lt; β, else |d| − 0.5 β (detectron2, β = 0.1); β = 0 is L1.</summary>
    SmoothL1,
    /// <summary>0.5 d² for |d| &lt; δ, else δ (|d| − 0.5 δ) (the paper's TPU release, δ = 0.1) = δ × smooth-L1(β = δ).</summary>
    Huber,
}

/// <summary>Element-wise box regression losses on deltas.</summary>
public static class BoxRegressionLoss
{
    /// <summary>Unreduced loss of <paramref name="pred"/> against <paramref name="target"/> (same shape).</summary>
    /// <param name="parameter">β for smooth-L1, δ for Huber; unused for L1.</param>
    public static Tensor Elementwise(Tensor pred, Tensor target, BoxLossKind kind, double parameter)
    {
        if (kind != BoxLossKind.L1 && parameter < 0) throw new ArgumentException($"box loss parameter must be ≥ 0, got {parameter}", nameof(parameter));
        using var scope = NewDisposeScope();
        var d = (pred - target).abs();
        Tensor loss = kind switch
        {
            BoxLossKind.L1 => d,
            BoxLossKind.SmoothL1 when parameter == 0 => d,
            BoxLossKind.SmoothL1 => where(d < parameter, 0.5 * d * d / parameter, d - 0.5 * parameter),
            BoxLossKind.Huber => where(d < parameter, 0.5 * d * d, parameter * (d - 0.5 * parameter)),
            _ => throw new ArgumentException($"unknown box loss kind {kind}", nameof(kind)),
        };
        return loss.MoveToOuterDisposeScope();
    }
}
