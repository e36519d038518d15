using Repro.Core.Models.Segmentation;
using TorchSharp;

namespace Repro.Core.Regimes.Segmentation;

/// <summary>
/// What the trainer optimises and checkpoints during joint human + pseudo training: the segmentation model's own
/// modules under their own names (<c>backbone.*</c>, <c>decoder.*</c>, <c>classifier.*</c>) plus the loss mix's
/// running means (<c>loss_mix.*</c>), so a resumed run restores both and the weights keep the model's names.
/// </summary>
public sealed class SegmentationStudent : torch.nn.Module
{
    public SegmentationStudent(SegmentationModel model, SegmentationLossMix lossMix) : base(nameof(SegmentationStudent))
    {
        Model = model ?? throw new ArgumentNullException(nameof(model));
        LossMix = lossMix ?? throw new ArgumentNullException(nameof(lossMix));
        foreach (var (name, child) in model.named_children()) register_module(name, child);
        register_module("loss_mix", lossMix);
    }

    public SegmentationModel Model { get; }
    public SegmentationLossMix LossMix { get; }
}
