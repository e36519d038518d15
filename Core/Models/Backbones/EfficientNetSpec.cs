namespace Repro.Core.Models.Backbones;

/// <summary>
/// An EfficientNet by its compound-scaling coefficients (Tan &amp; Le 2019): width multiplier (channels, rounded to
/// multiples of 8), depth multiplier (blocks per stage, rounded up), nominal input resolution, classifier dropout, and the
/// maximum stochastic-depth (drop-path) probability, reached linearly by the last block.
/// </summary>
public sealed record EfficientNetSpec
{
    public double Width { get; init; } = 1.0;
    public double Depth { get; init; } = 1.0;
    public int Resolution { get; init; } = 224;
    public double Dropout { get; init; } = 0.2;
    public double StochasticDepth { get; init; } = 0.2;

    /// <summary>One row of the B0 baseline: MBConv expansion, kernel, first stride, in/out channels, blocks.</summary>
    public readonly record struct Stage(int Expand, int Kernel, int Stride, int InChannels, int OutChannels, int Blocks);

    /// <summary>EfficientNet-B0's seven MBConv stages (Table 1 of the paper).</summary>
    public static readonly IReadOnlyList<Stage> BaselineStages = new Stage[]
    {
        new(1, 3, 1, 32, 16, 1), new(6, 3, 2, 16, 24, 2), new(6, 5, 2, 24, 40, 2), new(6, 3, 2, 40, 80, 3),
        new(6, 5, 1, 80, 112, 3), new(6, 5, 2, 112, 192, 4), new(6, 3, 1, 192, 320, 1),
    };

    /// <summary>Indices (0-based) of the stages whose outputs are C3, C4, C5 (strides 8, 16, 32).</summary>
    public static readonly int[] FeatureStages = { 2, 4, 6 };

    public int ScaleChannels(int channels) => ChannelRounding.RoundToMultiple(channels * Width, 8);
    public int ScaleDepth(int blocks) => (int)Math.Ceiling(blocks * Depth);

    static EfficientNetSpec B(double w, double d, int r, double drop) => new() { Width = w, Depth = d, Resolution = r, Dropout = drop };

    public static EfficientNetSpec B0 => B(1.0, 1.0, 224, 0.2);
    public static EfficientNetSpec B1 => B(1.0, 1.1, 240, 0.2);
    public static EfficientNetSpec B2 => B(1.1, 1.2, 260, 0.3);
    public static EfficientNetSpec B3 => B(1.2, 1.4, 300, 0.3);
    public static EfficientNetSpec B4 => B(1.4, 1.8, 380, 0.4);
    public static EfficientNetSpec B5 => B(1.6, 2.2, 456, 0.4);
    public static EfficientNetSpec B6 => B(1.8, 2.6, 528, 0.5);
    public static EfficientNetSpec B7 => B(2.0, 3.1, 600, 0.5);

    /// <summary>The CPU miniature: 0.4× width, a third of the depth (one or two blocks per stage), 64 px.</summary>
    public static EfficientNetSpec Mini => new() { Width = 0.4, Depth = 0.34, Resolution = 64, Dropout = 0.1, StochasticDepth = 0.1 };

    /// <summary>The preset of a name: efficientnet-b0 … efficientnet-b7, efficientnet-mini.</summary>
    public static EfficientNetSpec FromName(string name)
    {
        var n = name.ToLowerInvariant().Replace("_", "-");
        return n switch
        {
            "efficientnet-b0" => B0, "efficientnet-b1" => B1, "efficientnet-b2" => B2, "efficientnet-b3" => B3,
            "efficientnet-b4" => B4, "efficientnet-b5" => B5, "efficientnet-b6" => B6, "efficientnet-b7" => B7,
            "efficientnet-mini" => Mini,
            _ => throw new ArgumentException($"unknown EfficientNet name '{name}' (known: efficientnet-b0 … efficientnet-b7, efficientnet-mini)", nameof(name)),
        };
    }

    internal void Validate()
    {
        if (Width <= 0) throw new ArgumentException($"EfficientNetSpec.Width must be positive, got {Width}");
        if (Depth <= 0) throw new ArgumentException($"EfficientNetSpec.Depth must be positive, got {Depth}");
        if (Dropout is < 0 or >= 1) throw new ArgumentException($"EfficientNetSpec.Dropout must be in [0, 1), got {Dropout}");
        if (StochasticDepth is < 0 or >= 1) throw new ArgumentException($"EfficientNetSpec.StochasticDepth must be in [0, 1), got {StochasticDepth}");
    }
}
