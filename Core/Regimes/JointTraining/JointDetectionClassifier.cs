using Repro.Core.Models;
using Repro.Core.Models.Backbones;
using Repro.Core.Models.Detection;
using TorchSharp;
using static TorchSharp.torch;

namespace Repro.Core.Regimes.JointTraining;

/// <summary>
/// Joint training's model: a RetinaNet detector and an image-classification head sharing the detector's backbone
/// (the head is the backbone family's own, on C5: see <see cref="Backbone.CreateClassificationHead"/>). Parameter
/// names: <c>detector.*</c> (a detector's own names under that prefix) and <c>classifier.*</c>.
/// </summary>
public sealed class JointDetectionClassifier : nn.Module
{
    readonly RetinaNet detector;
    readonly ClassificationHead classifier;

    public JointDetectionClassifier(RetinaNet detector, int numClasses, double dropout = 0.0) : base(nameof(JointDetectionClassifier))
    {
        this.detector = detector ?? throw new ArgumentNullException(nameof(detector));
        classifier = detector.Backbone.CreateClassificationHead(numClasses, dropout);
        RegisterComponents();
    }

    public RetinaNet Detector => detector;
    public ClassificationHead Classifier => classifier;

    /// <summary>Class logits [B, numClasses] of images through the shared backbone and the classification head, on the
    /// detector's device (<see cref="RetinaNet.Device"/>; the images are moved there).</summary>
    public Tensor ClassLogits(Tensor images) => classifier.call(detector.Backbone.call(ModelDevice.On(images, detector.Device))[2]);

    /// <summary>Cross-entropy of a classification batch through the shared backbone, and the batch's accuracy
    /// (detached, for logging).</summary>
    public (Tensor Loss, Tensor Accuracy) ClassificationLoss(ClassificationBatch batch)
    {
        var logits = ClassLogits(batch.Images);
        var labels = batch.Labels.to(logits.device);
        var loss = nn.functional.cross_entropy(logits, labels);
        return (loss, logits.detach().argmax(1).eq(labels).to(ScalarType.Float32).mean());
    }
}
