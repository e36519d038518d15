using System.Text.Json.Serialization;

namespace Repro.Core.Augment;

/// <summary>The paper's augmentation strengths, Augment-S1 (weakest) … Augment-S4 (strongest) (§3.1).</summary>
/// <remarks>Written as its name ("S1") in every JSON, so a config reads the same whichever serializer wrote it.</remarks>
[JsonConverter(typeof(JsonStringEnumConverter<AugmentLevel>))]
public enum AugmentLevel
{
    /// <summary>Flips and standard scale jitter.</summary>
    S1,
    /// <summary>AutoAugment v0 on top of S1.</summary>
    S2,
    /// <summary>AutoAugment v0 with large-scale jitter.</summary>
    S3,
    /// <summary>RandAugment with large-scale jitter.</summary>
    S4,
}

/// <summary>The one grammar for a level written as text (paper-tables files, benchmark arguments).</summary>
public static class AugmentLevels
{
    public const string Accepted = "S1 | S2 | S3 | S4";

    /// <summary>The level a name denotes, case-insensitively ("s4" is S4); anything else, numbers included, is refused.</summary>
    public static AugmentLevel Parse(string name)
    {
        foreach (var level in Enum.GetValues<AugmentLevel>())
            if (string.Equals(level.ToString(), name?.Trim(), StringComparison.OrdinalIgnoreCase)) return level;
        throw new ArgumentException($"unknown augmentation level '{name}' ({Accepted})", nameof(name));
    }
}
