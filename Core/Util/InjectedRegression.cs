namespace Repro.Core;

/// <summary>
/// Deliberate, realistic regressions for proving that golden checks catch broken code. Each one breaks one piece of
/// the method the way a wrong code change would, while every config, and so every run name, stays the same. Chosen
/// by the <see cref="Variable"/> environment variable, read once per process; `repro golden regressions` sets it in
/// the processes it starts. Never set it for results you keep.
/// </summary>
public static class InjectedRegression
{
    public const string Variable = "REPRO_INJECT_REGRESSION";

    /// <summary>Self-training students use the plain sum L_h + L_p instead of the normalized pseudo weight.</summary>
    public const string LossNormalizationOff = "loss-normalization-off";
    /// <summary>Pre-trained backbone weights are not loaded: every Init trains from random weights.</summary>
    public const string PretrainedNotLoaded = "pretrained-not-loaded";
    /// <summary>Detection augmentation ignores its level's policy and large-scale jitter (every level runs as S1).</summary>
    public const string AugmentLevelIgnored = "augment-level-ignored";
    /// <summary>The box coder decodes widths and heights with twice their weight (encoding is unchanged).</summary>
    public const string BoxCoderWeight = "box-coder-weight";
    /// <summary>Pseudo boxes are kept from a score 0.2 above the configured threshold.</summary>
    public const string PseudoThresholdRaised = "pseudo-threshold-raised";
    /// <summary>Segmentation's ignore label (255: boundaries, unsure pseudo pixels) is trained as background.</summary>
    public const string SegmentationIgnoreDropped = "segmentation-ignore-dropped";

    public static IReadOnlyList<string> Names { get; } = new[]
    {
        LossNormalizationOff, PretrainedNotLoaded, AugmentLevelIgnored, BoxCoderWeight, PseudoThresholdRaised, SegmentationIgnoreDropped,
    };

    static readonly Lazy<string?> ActiveName = new(() =>
    {
        var v = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrEmpty(v)) return null;
        if (!Names.Contains(v))
            throw new ArgumentException($"{Variable}={v}: not a known regression ({string.Join(" | ", Names)})", Variable);
        return v;
    });

    /// <summary>The regression in force in this process, or null (the normal case).</summary>
    public static string? Active => ActiveName.Value;

    public static bool Is(string name) => ActiveName.Value == name;
}
