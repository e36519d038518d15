namespace Repro.Core.Models;

/// <summary>Norm choice passed down to the blocks that build conv layers.</summary>
/// <param name="Kind">BatchNorm, GroupNorm or FrozenBatchNorm.</param>
/// <param name="Groups">Groups for GroupNorm.</param>
/// <param name="Eps">Epsilon (EfficientNet uses 1e-3, ResNet 1e-5).</param>
/// <param name="Momentum">BatchNorm running-average momentum (PyTorch convention: weight of the new batch).</param>
public sealed record NormSettings(NormKind Kind = NormKind.BatchNorm, int Groups = 32, double Eps = 1e-5, double Momentum = 0.1)
{
    public TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor> Create(long channels) =>
        NormLayers.Create(Kind, channels, Groups, Eps, Momentum);
}
