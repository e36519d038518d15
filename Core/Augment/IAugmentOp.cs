using Repro.Core.Data;

namespace Repro.Core.Augment;

/// <summary>
/// One augmentation step. <see cref="Apply"/> returns a new sample and never writes into the input's arrays
/// (unchanged arrays may be shared between input and output, so nobody may write into a sample's arrays in place).
/// All randomness comes from <paramref name="rng"/>, the sample's own stream.
/// </summary>
public interface IAugmentOp
{
    /// <summary>The op's name as the AutoAugment reference spells it (e.g. "Rotate_BBox"), or a descriptive one.</summary>
    string Name { get; }
    LabelledImage Apply(LabelledImage sample, AugmentRng rng);
}
