using System.Reflection;
using Repro.Core.Experiments;
using Repro.Core.Regimes.Segmentation;
using Repro.Core.Training;

namespace Repro.Core.Tests.Util;

public class RunIdentityTests
{
    /// <summary>The execution-only properties of each config, written out by hand: marking or unmarking one is a
    /// decision about which runs are "the same", so it must show up here.</summary>
    public static TheoryData<Type, string[]> ExecutionOnly => new()
    {
        { typeof(TrainerOptions), ["CheckpointInterval", "Device", "KeepCheckpoints", "LogInterval", "TensorBoard", "Threads"] },
        { typeof(DetectionDataConfig), ["ImageCacheBytes"] },
        { typeof(DetectionExperimentConfig), ["EvalBatchSize"] },
        { typeof(PseudoLabelConfig), ["BatchSize", "Device"] },
        { typeof(ClassificationDataConfig), ["ImageCacheBytes"] },
        { typeof(PretrainingConfig), ["EvalBatchSize"] },
        { typeof(SupervisedPretraining), [] },
        { typeof(NoisyStudentPretraining), [] },
        { typeof(SimClrPretraining), [] },
        { typeof(Repro.Core.Regimes.Pretraining.LinearProbeOptions), ["FeatureBatchSize"] },
        { typeof(SegmentationDataConfig), ["ImageCacheBytes"] },
        { typeof(SegmentationExperimentConfig), ["EvalBatchSize"] },
        { typeof(SegmentationPseudoLabelConfig), ["BatchSize", "Device"] },
    };

    /// <summary>Every scalar property, changed one at a time: the identity moves exactly when the property is not
    /// execution-only.</summary>
    [Theory]
    [MemberData(nameof(ExecutionOnly))]
    public void Changing_a_property_renames_the_run_unless_it_is_execution_only(Type type, string[] executionOnly)
    {
        var original = Activator.CreateInstance(type)!;
        var before = RunIdentity.TextOf(original);
        var seen = new List<string>();
        var kept = new List<string>();
        foreach (var p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
        {
            if (Perturbed(p.PropertyType, p.GetValue(original)) is not { } changed) continue;
            var copy = Clone(original);
            p.SetValue(copy, changed);
            seen.Add(p.Name);
            if (RunIdentity.TextOf(copy) == before) kept.Add(p.Name);
        }
        Assert.Equal(executionOnly.Order(StringComparer.Ordinal), kept.Order(StringComparer.Ordinal));
        Assert.True(seen.Count > executionOnly.Length, $"{type.Name}: only {seen.Count} properties could be varied");
    }

    /// <summary>The records reachable from a run's config that have nothing execution-only, also written out: a new
    /// record (or property) must be decided on, not slip into run names by default.</summary>
    static readonly string[] NothingExecutionOnly =
    [
        "AnchorConfig", "AugmentConfig", "AugmentMagnitudes", "PretrainingMethodConfig", "BackboneConfig", "ClassificationAugmentConfig", "ClassificationObjectiveConfig",
        "DetectorConfig", "FpnConfig", "HeadConfig", "JointSelfTrainingConfig", "JointTrainingConfig", "LossConfig",
        "MatcherConfig", "PostProcessConfig", "SegmentationModelConfig", "SelfTrainingConfig", "SimClrViewConfig",
    ];

    [Fact]
    public void Every_record_a_run_config_holds_has_its_execution_only_properties_decided()
    {
        var decided = ExecutionOnly.Select(row => ((Type)row[0]).Name).Concat(NothingExecutionOnly).ToHashSet();
        var roots = new[]
        {
            typeof(DetectionExperimentConfig), typeof(PseudoLabelConfig), typeof(SelfTrainingConfig), typeof(JointTrainingConfig),
            typeof(JointSelfTrainingConfig), typeof(PretrainingConfig), typeof(SupervisedPretraining), typeof(NoisyStudentPretraining),
            typeof(SimClrPretraining), typeof(SegmentationExperimentConfig), typeof(SegmentationPseudoLabelConfig),
        };
        var seen = new HashSet<Type>();
        void Walk(Type t)
        {
            t = Nullable.GetUnderlyingType(t) ?? t;
            if (t.IsGenericType) { foreach (var a in t.GetGenericArguments()) Walk(a); return; }
            if (t.IsArray) { Walk(t.GetElementType()!); return; }
            if (t.Namespace?.StartsWith("Repro.Core", StringComparison.Ordinal) != true || t.IsEnum || !seen.Add(t)) return;
            foreach (var p in t.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite)) Walk(p.PropertyType);
        }
        foreach (var r in roots) Walk(r);
        var undecided = seen.Where(t => !decided.Contains(t.Name)).Select(t => t.Name).Order().ToList();
        Assert.True(undecided.Count == 0, $"records whose execution-only properties are not decided here: {string.Join(", ", undecided)}");
        var stale = decided.Where(n => seen.All(t => t.Name != n)).Order().ToList();
        Assert.True(stale.Count == 0, $"listed but held by no run config: {string.Join(", ", stale)}");
        // What is marked is what the table says.
        foreach (var t in seen.Where(t => NothingExecutionOnly.Contains(t.Name)))
            Assert.DoesNotContain(t.GetProperties(), p => p.IsDefined(typeof(ExecutionOnlyAttribute), true));
    }

    [Fact]
    public void A_pretraining_run_is_named_by_its_own_method_only()
    {
        // Another method's defaults never enter the name: SimCLR's temperature is not part of a supervised run.
        var supervised = new PretrainingConfig();
        var text = RunIdentity.TextOf(supervised);
        Assert.DoesNotContain("Temperature", text);
        Assert.DoesNotContain("StudentDropout", text);
        Assert.Contains("\"$method\":\"Supervised\"", text);
        Assert.NotEqual(text, RunIdentity.TextOf(supervised with { Method = new SimClrPretraining() }));
    }

    [Fact]
    public void Execution_settings_nested_in_a_config_do_not_rename_it_and_optimization_settings_do()
    {
        var c = new DetectionExperimentConfig();
        var name = RunIdentity.TextOf(c);
        Assert.Equal(name, RunIdentity.TextOf(c with { Trainer = c.Trainer with { Threads = 7, Device = "cuda:1", TensorBoard = false } }));
        Assert.Equal(name, RunIdentity.TextOf(c with { Data = c.Data with { ImageCacheBytes = 1 } }));
        Assert.NotEqual(name, RunIdentity.TextOf(c with { Trainer = c.Trainer with { LearningRate = 0.5 } }));
        Assert.NotEqual(name, RunIdentity.TextOf(c with { Trainer = c.Trainer with { Optimizer = OptimizerKind.AdamW } }));
        // The checkpoint fingerprint is the same identity: a run resumes whatever its threads or intervals.
        Assert.Equal(TrainingCheckpoint.Fingerprint(c.Trainer), TrainingCheckpoint.Fingerprint(c.Trainer with { CheckpointInterval = 3, LogInterval = 9 }));
        Assert.NotEqual(TrainingCheckpoint.Fingerprint(c.Trainer), TrainingCheckpoint.Fingerprint(c.Trainer with { TotalSteps = 3 }));
    }

    sealed record Example(string Root, IReadOnlyList<string> Paths);

    [Fact]
    public void A_spec_writes_paths_under_roots_as_symbols_and_is_named_by_the_hash_of_its_canonical_text()
    {
        var config = new Example("/results/runs/abc/w.bin", ["/cache/mini/a.json", "/other/b.json"]);
        var spec = RunIdentity.Spec("detection", "miniature:v:123", config, [("/cache/mini", "data:"), ("/results/runs", "run:")]);
        const string text = """{"config":{"Paths":["data:/a.json","/other/b.json"],"Root":"run:/abc/w.bin"},"data":"miniature:v:123","kind":"detection","specVersion":2}""";
        Assert.Equal(text, spec.ToJsonString());
        // hashlib.sha256(text.encode()).hexdigest()[:16], computed in Python.
        Assert.Equal("3236f1987718543f", RunIdentity.Name(spec));
        // Where the files live does not enter the name.
        var moved = new Example("/tmp/r/abc/w.bin", ["/elsewhere/a.json", "/other/b.json"]);
        Assert.Equal("3236f1987718543f", RunIdentity.Name(RunIdentity.Spec("detection", "miniature:v:123", moved, [("/elsewhere", "data:"), ("/tmp/r", "run:")])));
    }

    static object Clone(object value) =>
        value.GetType().GetMethod("<Clone>$")!.Invoke(value, null)!;

    /// <summary>Another value of a scalar property's type, or null where the type is not a scalar.</summary>
    static object? Perturbed(Type type, object? value)
    {
        if (Nullable.GetUnderlyingType(type) is { } inner)
            return value is null ? Perturbed(inner, Activator.CreateInstance(inner)) ?? Activator.CreateInstance(inner) : Perturbed(inner, value);
        if (type == typeof(bool)) return !(bool)value!;
        if (type == typeof(int)) return (int)value! + 1;
        if (type == typeof(long)) return (long)value! + 1;
        if (type == typeof(double)) return (double)value! + 0.25;
        if (type == typeof(string)) return (string?)value + "x";
        if (type.IsEnum)
        {
            var values = Enum.GetValues(type);
            return values.Length < 2 ? null : values.GetValue((Array.IndexOf(values, value) + 1) % values.Length);
        }
        if (type == typeof(double[])) return ((double[]?)value ?? []).Append(0.5).ToArray();
        if (type == typeof(IReadOnlyList<double>)) return new List<double> { 0.5 };
        if (type == typeof(IReadOnlyList<long>)) return new List<long> { 7 };
        return null;
    }
}
