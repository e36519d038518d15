namespace Repro.Core.Data.Batching;

/// <summary>Per-channel input normalisation: pixel/255, then (x − mean[c]) / std[c]. Defaults are the ImageNet
/// statistics the paper's backbones expect.</summary>
public sealed record ImageNormalization
{
    public float[] Mean { get; init; } = { 0.485f, 0.456f, 0.406f };
    public float[] Std { get; init; } = { 0.229f, 0.224f, 0.225f };

    /// <summary>No normalisation beyond scaling to [0, 1].</summary>
    public static ImageNormalization UnitRange => new() { Mean = new[] { 0f, 0f, 0f }, Std = new[] { 1f, 1f, 1f } };

    /// <summary>Lookup table [channel][byte] → normalised value; validates the config.</summary>
    internal float[][] Table()
    {
        if (Mean is not { Length: 3 }) throw new ArgumentException($"normalization mean must have 3 values, got {Mean?.Length ?? 0}", nameof(Mean));
        if (Std is not { Length: 3 }) throw new ArgumentException($"normalization std must have 3 values, got {Std?.Length ?? 0}", nameof(Std));
        var t = new float[3][];
        for (int c = 0; c < 3; c++)
        {
            if (!(Std[c] > 0) || !float.IsFinite(Std[c]) || !float.IsFinite(Mean[c]))
                throw new ArgumentException($"normalization std[{c}] = {Std[c]} must be positive and mean[{c}] = {Mean[c]} finite", nameof(Std));
            t[c] = new float[256];
            for (int v = 0; v < 256; v++) t[c][v] = (v / 255f - Mean[c]) / Std[c];
        }
        return t;
    }
}
