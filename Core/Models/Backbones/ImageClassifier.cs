using TorchSharp;
using static TorchSharp.torch;

namespace Repro.Core.Models.Backbones;

/// <summary>
/// A backbone with its classification head: images → class logits. Parameter names are <c>backbone.*</c> and
/// <c>classifier.*</c>, so the <c>backbone.*</c> part loads by name into a <see cref="Detection.RetinaNet"/> detector.
/// </summary>
public sealed class ImageClassifier : nn.Module<Tensor, Tensor>
{
    readonly Backbone backbone;
    readonly ClassificationHead classifier;

    public ImageClassifier(Backbone backbone, int numClasses, double dropout = 0.0) : base(nameof(ImageClassifier))
    {
        this.backbone = backbone ?? throw new ArgumentNullException(nameof(backbone));
        classifier = backbone.CreateClassificationHead(numClasses, dropout);
        RegisterComponents();
    }

    public Backbone Backbone => backbone;
    public ClassificationHead Classifier => classifier;

    /// <summary>Class logits [B, numClasses].</summary>
    public override Tensor forward(Tensor images) => classifier.call(backbone.call(images)[2]);

    /// <summary>Pooled embedding [B, Classifier.FeatureChannels] before dropout and the linear layer.</summary>
    public Tensor Embed(Tensor images) => classifier.Embed(backbone.call(images)[2]);
}
