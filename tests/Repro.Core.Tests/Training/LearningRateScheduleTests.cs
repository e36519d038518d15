using System.Text.Json;
using Repro.Core.Training;

namespace Repro.Core.Tests.Training;

public class LearningRateScheduleTests
{
    const double Eta = 0.2;

    static LearningRateSchedule Make(TrainerOptions o) => new(o);

    [Fact]
    public void Cosine_matches_closed_form_from_base_to_floor()
    {
        var o = new TrainerOptions { LearningRate = Eta, TotalSteps = 101, Schedule = LearningRateScheduleKind.Cosine, CosineFloorFactor = 0.1 };
        var s = Make(o);
        Assert.Equal(Eta, s.At(0), 12);
        Assert.Equal(Eta * 0.1, s.At(100), 12);                        // floor at the last step
        Assert.Equal(Eta * (0.1 + 0.9 * 0.5), s.At(50), 12);           // halfway: cos(π/2) = 0
        Assert.Equal(Eta * (0.1 + 0.9 * 0.5 * (1 + Math.Sqrt(0.5))), s.At(25), 12); // cos(π/4)
        Assert.Equal(Eta * 0.1, s.At(500), 12);                        // past the end: stays at the floor
    }

    [Fact]
    public void Linear_warmup_multiplies_the_schedule()
    {
        var constant = new TrainerOptions { LearningRate = Eta, TotalSteps = 100, Schedule = LearningRateScheduleKind.Constant, WarmupSteps = 10, WarmupStartFactor = 0.1 };
        var s = Make(constant);
        Assert.Equal(Eta * 0.1, s.At(0), 12);
        Assert.Equal(Eta * (0.1 + 0.9 * 5 / 10.0), s.At(5), 12);
        Assert.Equal(Eta, s.At(10), 12);
        Assert.Equal(Eta, s.At(99), 12);

        var cosine = constant with { Schedule = LearningRateScheduleKind.Cosine };
        var c = Make(cosine);
        var expected = Eta * 0.5 * (1 + Math.Cos(Math.PI * 3 / 99.0)) * (0.1 + 0.9 * 3 / 10.0);
        Assert.Equal(expected, c.At(3), 12);
    }

    [Fact]
    public void Step_decay_at_fractions_and_at_steps()
    {
        var o = new TrainerOptions { LearningRate = Eta, TotalSteps = 100, Schedule = LearningRateScheduleKind.StepDecay, DecayAtFractions = [0.75, 0.5], DecayFactor = 0.1 };
        var s = Make(o);
        Assert.Equal([50L, 75L], s.Milestones);
        Assert.Equal(Eta, s.At(49), 12);
        Assert.Equal(Eta * 0.1, s.At(50), 12);
        Assert.Equal(Eta * 0.1, s.At(74), 12);
        Assert.Equal(Eta * 0.01, s.At(75), 12);

        var bySteps = Make(o with { DecayAtFractions = [], DecayAtSteps = [30], DecayFactor = 0.5 });
        Assert.Equal(Eta, bySteps.At(29), 12);
        Assert.Equal(Eta * 0.5, bySteps.At(30), 12);
    }

    [Fact]
    public void Bad_options_name_the_field()
    {
        var both = new TrainerOptions { DecayAtFractions = [0.5], DecayAtSteps = [10] };
        Assert.Contains("DecayAtSteps", Assert.Throws<ArgumentException>(() => Make(both)).Message);
        Assert.Contains("WarmupSteps", Assert.Throws<ArgumentException>(() => Make(new TrainerOptions { TotalSteps = 10, WarmupSteps = 11 })).Message);
        Assert.Contains("LearningRate", Assert.Throws<ArgumentException>(() => Make(new TrainerOptions { LearningRate = -1 })).Message);
        Assert.Contains("DecayAtFractions", Assert.Throws<ArgumentException>(() => Make(new TrainerOptions { Schedule = LearningRateScheduleKind.StepDecay })).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Make(new TrainerOptions()).At(-1));
    }

    [Fact]
    public void Options_round_trip_through_json_with_readable_enums()
    {
        var o = new TrainerOptions { Optimizer = OptimizerKind.AdamW, Schedule = LearningRateScheduleKind.StepDecay, DecayAtSteps = [3, 7], MaxGradNorm = 1.5, Device = "cuda" };
        var json = JsonSerializer.Serialize(o);
        Assert.Contains("\"AdamW\"", json);
        Assert.Contains("\"StepDecay\"", json);
        var back = JsonSerializer.Deserialize<TrainerOptions>(json)!;
        Assert.Equal(json, JsonSerializer.Serialize(back));
        Assert.Equal([3L, 7L], back.DecayAtSteps);
    }
}
