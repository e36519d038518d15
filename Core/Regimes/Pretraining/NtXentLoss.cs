using static TorchSharp.torch;

namespace Repro.Core.Regimes.Pretraining;

/// <summary>
/// SimCLR's normalized-temperature-scaled cross-entropy (NT-Xent, Chen et al. 2020). For N images with projections
/// z1 (first view) and z2 (second view), the 2N vectors are L2-normalised, s_ij = z_i·z_j / τ, and anchor i's loss is
/// −log( exp(s_i,p(i)) / Σ_{k≠i} exp(s_ik) ) where p(i) is the other view of the same image; the loss is the mean over
/// all 2N anchors.
/// </summary>
public static class NtXentLoss
{
    /// <summary>The loss (a scalar) and the fraction of anchors whose most similar other vector is their positive.</summary>
    public static (Tensor Loss, Tensor Accuracy) Compute(Tensor z1, Tensor z2, double temperature)
    {
        if (!(temperature > 0 && double.IsFinite(temperature))) throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "temperature must be positive");
        if (z1.dim() != 2 || !z1.shape.SequenceEqual(z2.shape))
            throw new ArgumentException($"views must both be [N, D], got [{string.Join(", ", z1.shape)}] and [{string.Join(", ", z2.shape)}]");
        long n = z1.shape[0];
        if (n < 2) throw new ArgumentException($"NT-Xent needs at least 2 images (negatives), got {n}");
        var z = nn.functional.normalize(cat(new[] { z1, z2 }, 0), p: 2, dim: 1);
        var sim = matmul(z, z.t()) / temperature;
        var self = eye(2 * n, dtype: ScalarType.Bool, device: z.device);
        sim = sim.masked_fill(self, double.NegativeInfinity);
        var positives = cat(new[] { arange(n, 2 * n, device: z.device), arange(0, n, device: z.device) });
        var loss = nn.functional.cross_entropy(sim, positives);
        var accuracy = sim.detach().argmax(1).eq(positives).to(ScalarType.Float32).mean();
        return (loss, accuracy);
    }

    public static Tensor Loss(Tensor z1, Tensor z2, double temperature) => Compute(z1, z2, temperature).Loss;
}
