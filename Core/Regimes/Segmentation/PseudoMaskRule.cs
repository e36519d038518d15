using static TorchSharp.torch;

namespace Repro.Core.Regimes.Segmentation;

/// <summary>
/// Per-pixel hard pseudo labels from teacher probabilities: the arg-max class where the teacher's largest softmax
/// probability reaches the confidence threshold, the ignore label 255 where it falls below.
/// </summary>
public static class PseudoMaskRule
{
    public const byte IgnoreLabel = 255;

    /// <summary>Pseudo mask (row-major H×W) and the arg-max classes (without the threshold) of [C, H, W] probabilities.</summary>
    public static (byte[] Mask, byte[] ArgMax) Apply(Tensor probabilities, double threshold)
    {
        if (probabilities.dim() != 3) throw new ArgumentException($"probabilities must be [C, H, W], got [{string.Join(",", probabilities.shape)}]", nameof(probabilities));
        if (probabilities.shape[0] > IgnoreLabel) throw new ArgumentException($"{probabilities.shape[0]} classes do not fit below the ignore label {IgnoreLabel}", nameof(probabilities));
        if (!(threshold >= 0 && threshold <= 1)) throw new ArgumentException($"confidence threshold must be in [0, 1], got {threshold}", nameof(threshold));
        using var scope = NewDisposeScope();
        var (maxP, arg) = probabilities.max(0);
        var argMax = arg.to(ScalarType.Byte).contiguous().data<byte>().ToArray();
        var confident = (maxP >= threshold).contiguous().data<bool>().ToArray();
        var mask = new byte[argMax.Length];
        for (int i = 0; i < mask.Length; i++) mask[i] = confident[i] ? argMax[i] : IgnoreLabel;
        return (mask, argMax);
    }
}
