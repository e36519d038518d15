using System.Text.Json.Serialization;

namespace Repro.Core.Models;

/// <summary>Which normalisation layer conv blocks use.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<NormKind>))]
public enum NormKind
{
    /// <summary>Batch normalisation with running statistics (the ImageNet models' default).</summary>
    BatchNorm,
    /// <summary>Group normalisation (batch-size independent; what random-init detection training uses).</summary>
    GroupNorm,
    /// <summary>Batch normalisation with frozen statistics and affine parameters (for fine-tuning a pre-trained backbone).</summary>
    FrozenBatchNorm,
}
