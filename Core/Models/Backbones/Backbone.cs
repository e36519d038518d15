using TorchSharp;
using static TorchSharp.torch;

namespace Repro.Core.Models.Backbones;

/// <summary>
/// A feature extractor for detection: maps images [B,3,H,W] to the three feature maps C3, C4, C5 (strides 8, 16, 32),
/// returned in that order. Its parameters sit under the name the owner registers it with (by convention
/// <c>backbone.</c>), so the same weights load by name into a classifier (<see cref="ImageClassifier"/>) and a detector.
/// </summary>
public abstract class Backbone : nn.Module<Tensor, Tensor[]>
{
    protected Backbone(string name) : base(name) { }

    /// <summary>Channel counts of C3, C4, C5.</summary>
    public abstract IReadOnlyList<long> FeatureChannels { get; }

    /// <summary>Strides of C3, C4, C5 relative to the input (8, 16, 32).</summary>
    public IReadOnlyList<int> FeatureStrides { get; } = new[] { 8, 16, 32 };

    /// <summary>
    /// A classification head for this backbone (on C5): global average pool, dropout, linear — preceded, for families that
    /// have one (EfficientNet), by the family's final 1×1 conv. Used for supervised / Noisy-Student / SimCLR pre-training.
    /// </summary>
    public abstract ClassificationHead CreateClassificationHead(int numClasses, double dropout);

    /// <summary>Channels of C2, the stride-4 map (the last block before C3), for decoders that fuse it (segmentation);
    /// null for a backbone that does not expose it.</summary>
    public virtual long? Stride4Channels => null;

    /// <summary>[C2, C3, C4, C5] (strides 4, 8, 16, 32): the usual outputs preceded by the stride-4 map.</summary>
    public virtual Tensor[] ForwardWithStride4(Tensor images) =>
        throw new NotSupportedException($"{GetType().Name} does not expose a stride-4 feature map");
}
