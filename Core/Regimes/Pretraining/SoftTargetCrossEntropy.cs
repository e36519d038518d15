using static TorchSharp.torch;

namespace Repro.Core.Regimes.Pretraining;

/// <summary>
/// Cross-entropy against target distributions: −Σ_c q_c · log softmax(logits)_c per image, averaged. Hard labels become
/// one-hot targets smoothed by ε (q = (1 − ε)·onehot + ε / C, Szegedy et al. 2016); Noisy Student's soft pseudo labels
/// are used as they are.
/// </summary>
public static class SoftTargetCrossEntropy
{
    /// <summary>Per-image losses [B] for <paramref name="logits"/> [B, C] and <paramref name="targets"/> [B, C].</summary>
    public static Tensor PerImage(Tensor logits, Tensor targets)
    {
        if (logits.dim() != 2 || !logits.shape.SequenceEqual(targets.shape))
            throw new ArgumentException($"logits [{string.Join(", ", logits.shape)}] and targets [{string.Join(", ", targets.shape)}] must both be [B, C]");
        return -(targets * nn.functional.log_softmax(logits, 1)).sum(1);
    }

    /// <summary>Mean loss over the batch.</summary>
    public static Tensor Loss(Tensor logits, Tensor targets) => PerImage(logits, targets).mean();

    /// <summary>Smoothed one-hot targets [B, C] for class indices <paramref name="labels"/> [B] (int64).</summary>
    public static Tensor SmoothedOneHot(Tensor labels, int numClasses, double smoothing)
    {
        if (!(smoothing >= 0 && smoothing < 1)) throw new ArgumentOutOfRangeException(nameof(smoothing), smoothing, "label smoothing must be in [0, 1)");
        var onehot = nn.functional.one_hot(labels, numClasses).to(ScalarType.Float32);
        return smoothing == 0 ? onehot : onehot * (1 - smoothing) + smoothing / numClasses;
    }
}
