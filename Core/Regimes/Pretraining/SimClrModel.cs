using Repro.Core.Models.Backbones;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Repro.Core.Regimes.Pretraining;

/// <summary>
/// SimCLR's encoder and projection head: h = the backbone's pooled C5 (for EfficientNet after its head's 1×1 conv),
/// z = g(h) = Linear → BatchNorm → ReLU → Linear (the ImageNet SimCLR head). The contrastive loss is taken on z; the
/// representation kept (and transferred) is the backbone. Names: <c>backbone.*</c>, <c>head.*</c> (pooling and the first
/// linear layer), <c>norm.*</c>, <c>out.*</c>.
/// </summary>
public sealed class SimClrModel : nn.Module<Tensor, Tensor>
{
    readonly Backbone backbone;
    readonly ClassificationHead head;
    readonly BatchNorm1d norm;
    readonly Linear @out;

    public SimClrModel(Backbone backbone, int projectionHidden, int projectionDim) : base(nameof(SimClrModel))
    {
        this.backbone = backbone ?? throw new ArgumentNullException(nameof(backbone));
        if (projectionHidden <= 0 || projectionDim <= 0)
            throw new ArgumentException($"projection sizes must be positive, got hidden {projectionHidden}, dim {projectionDim}");
        head = backbone.CreateClassificationHead(projectionHidden, dropout: 0);
        norm = nn.BatchNorm1d(projectionHidden);
        @out = nn.Linear(projectionHidden, projectionDim);
        RegisterComponents();
    }

    public Backbone Backbone => backbone;

    /// <summary>The projection z [B, ProjectionDim] the NT-Xent loss compares.</summary>
    public override Tensor forward(Tensor images) =>
        @out.call(nn.functional.relu(norm.call(head.call(backbone.call(images)[2]))));

    /// <summary>The representation h [B, D] before the projection head.</summary>
    public Tensor Represent(Tensor images) => head.Embed(backbone.call(images)[2]);
}
