using System.Text.Json.Serialization;

namespace Repro.Core.Models.Backbones;

/// <summary>How a ResNet turns the image into the stride-4 input of its first stage.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ResNetStem>))]
public enum ResNetStem
{
    /// <summary>7×7 conv stride 2 + 3×3 max-pool stride 2 (the ImageNet ResNets).</summary>
    Conv7x7MaxPool,
    /// <summary>One 3×3 conv stride 2, no pool; the first stage then strides by 2 itself (small images).</summary>
    Conv3x3,
}

/// <summary>
/// The shape of a ResNet: block kind, blocks per stage, base width per stage (a bottleneck stage outputs 4× its width),
/// stem kind and stem width. Exactly four stages; stages 2, 3, 4 output C3, C4, C5.
/// </summary>
public sealed record ResNetSpec
{
    public ResNetBlockKind Block { get; init; } = ResNetBlockKind.Basic;
    public int[] Depths { get; init; } = { 2, 2, 2, 2 };
    public int[] Widths { get; init; } = { 64, 128, 256, 512 };
    public ResNetStem Stem { get; init; } = ResNetStem.Conv7x7MaxPool;
    public int StemWidth { get; init; } = 64;

    public static ResNetSpec ResNet18 => new() { Block = ResNetBlockKind.Basic, Depths = new[] { 2, 2, 2, 2 } };
    public static ResNetSpec ResNet34 => new() { Block = ResNetBlockKind.Basic, Depths = new[] { 3, 4, 6, 3 } };
    public static ResNetSpec ResNet50 => new() { Block = ResNetBlockKind.Bottleneck, Depths = new[] { 3, 4, 6, 3 } };
    public static ResNetSpec ResNet101 => new() { Block = ResNetBlockKind.Bottleneck, Depths = new[] { 3, 4, 23, 3 } };

    /// <summary>The CPU miniature: one basic block per stage, widths 16/32/64/96, 3×3 stride-2 stem.</summary>
    public static ResNetSpec Mini => new()
    {
        Block = ResNetBlockKind.Basic, Depths = new[] { 1, 1, 1, 1 }, Widths = new[] { 16, 32, 64, 96 },
        Stem = ResNetStem.Conv3x3, StemWidth = 16,
    };

    /// <summary>The preset of a name: resnet18, resnet34, resnet50, resnet101, resnet-mini.</summary>
    public static ResNetSpec FromName(string name) => name.ToLowerInvariant() switch
    {
        "resnet18" or "resnet-18" => ResNet18,
        "resnet34" or "resnet-34" => ResNet34,
        "resnet50" or "resnet-50" => ResNet50,
        "resnet101" or "resnet-101" => ResNet101,
        "resnet-mini" or "resnetmini" => Mini,
        _ => throw new ArgumentException($"unknown ResNet name '{name}' (known: resnet18, resnet34, resnet50, resnet101, resnet-mini)", nameof(name)),
    };

    /// <summary>Widths and depths scaled by multipliers (widths rounded to multiples of 8, depths rounded up).</summary>
    public ResNetSpec Scaled(double widthMultiplier, double depthMultiplier)
    {
        if (widthMultiplier <= 0) throw new ArgumentException($"width multiplier must be positive, got {widthMultiplier}", nameof(widthMultiplier));
        if (depthMultiplier <= 0) throw new ArgumentException($"depth multiplier must be positive, got {depthMultiplier}", nameof(depthMultiplier));
        if (widthMultiplier == 1 && depthMultiplier == 1) return this;
        return this with
        {
            Widths = Widths.Select(w => ChannelRounding.RoundToMultiple(w * widthMultiplier, 8)).ToArray(),
            StemWidth = ChannelRounding.RoundToMultiple(StemWidth * widthMultiplier, 8),
            Depths = Depths.Select(d => (int)Math.Ceiling(d * depthMultiplier)).ToArray(),
        };
    }

    internal void Validate()
    {
        if (Depths.Length != 4 || Widths.Length != 4)
            throw new ArgumentException($"ResNetSpec needs 4 stages (Depths has {Depths.Length}, Widths {Widths.Length})");
        if (Depths.Any(d => d < 1)) throw new ArgumentException($"ResNetSpec.Depths must be ≥ 1, got [{string.Join(",", Depths)}]");
        if (Widths.Any(w => w < 1) || StemWidth < 1) throw new ArgumentException("ResNetSpec widths must be positive");
    }
}
