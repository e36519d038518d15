using System.Text.Json.Serialization;

namespace Repro.Core.Models;

/// <summary>What the FPN's extra (coarser than P5) levels are computed from.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<FpnExtraSource>))]
public enum FpnExtraSource
{
    /// <summary>P6 = conv(C5), as RetinaNet's paper, detectron2 and mmdetection do.</summary>
    C5,
    /// <summary>P6 = conv(P5), as torchvision's RetinaNet v1 does.</summary>
    P5,
}

/// <summary>Feature pyramid settings: output channels, levels min..max (3 ≤ min ≤ 5 ≤ max), extra-level source.</summary>
public sealed record FpnConfig
{
    public int Channels { get; init; } = 64;
    public int MinLevel { get; init; } = 3;
    public int MaxLevel { get; init; } = 5;
    public FpnExtraSource ExtraFrom { get; init; } = FpnExtraSource.C5;

    public int LevelCount => MaxLevel - MinLevel + 1;

    public void Validate()
    {
        if (Channels < 1) throw new ArgumentException($"Fpn.Channels must be positive, got {Channels}");
        if (MinLevel is < 3 or > 5) throw new ArgumentException($"Fpn.MinLevel must be 3, 4 or 5 (the backbone gives C3..C5), got {MinLevel}");
        if (MaxLevel < 5 || MaxLevel > 9) throw new ArgumentException($"Fpn.MaxLevel must be in 5..9, got {MaxLevel}");
    }
}
