using System.Text.Json.Serialization;

namespace Repro.Core.Training;

/// <summary>The shape of the learning-rate schedule after warm-up (see <see cref="LearningRateSchedule"/>).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<LearningRateScheduleKind>))]
public enum LearningRateScheduleKind
{
    /// <summary>The base learning rate throughout.</summary>
    Constant,
    /// <summary>Half-cosine from the base rate at step 0 to a floor at the last step.</summary>
    Cosine,
    /// <summary>The base rate multiplied by a factor at each milestone.</summary>
    StepDecay,
}
