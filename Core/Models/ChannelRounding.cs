namespace Repro.Core.Models;

/// <summary>Channel rounding as in the EfficientNet / MobileNet papers' reference code.</summary>
public static class ChannelRounding
{
    /// <summary>
    /// Rounds to the nearest multiple of <paramref name="divisor"/> (at least the divisor), stepping up one multiple
    /// when rounding down would lose more than 10% of the channels.
    /// </summary>
    public static int RoundToMultiple(double channels, int divisor = 8)
    {
        if (divisor <= 0) throw new ArgumentException($"divisor must be positive, got {divisor}", nameof(divisor));
        int rounded = Math.Max(divisor, (int)(channels + divisor / 2.0) / divisor * divisor);
        if (rounded < 0.9 * channels) rounded += divisor;
        return rounded;
    }
}
