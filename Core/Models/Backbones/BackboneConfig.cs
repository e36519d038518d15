using System.Text.Json.Serialization;

namespace Repro.Core.Models.Backbones;

/// <summary>Backbone family.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<BackboneFamily>))]
public enum BackboneFamily { ResNet, EfficientNet }

/// <summary>
/// Which backbone to build: a family and a preset name (resnet18/34/50/101, resnet-mini, efficientnet-b0…b7,
/// efficientnet-mini), optional width/depth multipliers on top of the preset, and the norm layer.
/// Plain JSON-serialisable record; <see cref="BackboneFactory"/> turns it into a module.
/// </summary>
public sealed record BackboneConfig
{
    public BackboneFamily Family { get; init; } = BackboneFamily.ResNet;
    public string Name { get; init; } = "resnet-mini";
    /// <summary>Multiplies the preset's channel widths (rounded to multiples of 8).</summary>
    public double WidthMultiplier { get; init; } = 1.0;
    /// <summary>Multiplies the preset's blocks per stage (rounded up).</summary>
    public double DepthMultiplier { get; init; } = 1.0;
    public NormKind Norm { get; init; } = NormKind.BatchNorm;
    public int GroupNormGroups { get; init; } = 32;
    /// <summary>EfficientNet only: overrides the preset's maximum drop-path probability when set.</summary>
    public double? StochasticDepth { get; init; }
    /// <summary>ResNet only: start each block's last norm at zero weight.</summary>
    public bool ZeroInitResidual { get; init; }

    public static BackboneConfig ResNetMini => new();
    public static BackboneConfig ResNet50 => new() { Family = BackboneFamily.ResNet, Name = "resnet50" };
    public static BackboneConfig EfficientNetB0 => new() { Family = BackboneFamily.EfficientNet, Name = "efficientnet-b0" };
    public static BackboneConfig EfficientNetB7 => new() { Family = BackboneFamily.EfficientNet, Name = "efficientnet-b7" };
    public static BackboneConfig EfficientNetMini => new() { Family = BackboneFamily.EfficientNet, Name = "efficientnet-mini" };
}
