using Repro.Core.Augment;
using Repro.Core.Data.Miniature;
using Repro.Core.Experiments;
using Repro.Core.Models.Detection;
using Repro.Core.Training;

namespace Repro.Benchmarks;

/// <summary>
/// One supervised detection run on the miniature with chosen optimizer settings: the tool used to calibrate the
/// default profile's schedule on Rand Init (see README "Calibration"). Arguments: key=value pairs, e.g.
/// `detection-fit level=S1 steps=600 lr=0.02 optimizer=sgd fraction=1 preset=default backbone=resnet-mini`.
/// `mini.Field=value` overrides a field of the preset's MiniatureConfig (arrays comma-separated, e.g.
/// `mini.TextureWeights=1,0,0`); `minival=0.1 val=train` calibrates without touching the val split.
/// </summary>
public sealed class DetectionCalibrationBenchmark : IBenchmark
{
    public string Name => "detection-fit";
    public string Description => "train + evaluate one miniature detection run (calibration; key=value args)";

    /// <summary>The preset with each `mini.Field=value` argument applied (through its JSON form, so any field works).</summary>
    static MiniatureConfig WithOverrides(MiniatureConfig preset, IReadOnlyDictionary<string, string> kv)
    {
        var json = System.Text.Json.Nodes.JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(preset))!.AsObject();
        foreach (var (key, value) in kv.Where(p => p.Key.StartsWith("mini.", StringComparison.Ordinal)))
        {
            var field = key["mini.".Length..];
            if (typeof(MiniatureConfig).GetProperty(field) is null) throw new ArgumentException($"MiniatureConfig has no field '{field}' (argument {key})");
            json[field] = value.Contains(',')
                ? new System.Text.Json.Nodes.JsonArray(value.Split(',').Select(v => (System.Text.Json.Nodes.JsonNode?)double.Parse(v)).ToArray())
                : System.Text.Json.Nodes.JsonNode.Parse(value);
        }
        var config = System.Text.Json.JsonSerializer.Deserialize<MiniatureConfig>(json.ToJsonString())!;
        config.Validate();
        Console.WriteLine($"miniature: {json.ToJsonString()}");
        return config;
    }

    public IReadOnlyDictionary<string, double> Run(string[] args)
    {
        var kv = args.Select(a => a.Split('=', 2)).ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "");
        string Get(string k, string d) => kv.TryGetValue(k, out var v) ? v : d;
        var mini = WithOverrides(MiniatureConfig.Preset(Get("preset", "default")), kv);
        var m = MiniatureGenerator.Generate(mini, Get("cache", Path.Combine("results", "data")));
        int steps = int.Parse(Get("steps", "600"));
        var optimizer = Get("optimizer", "sgd") == "adamw" ? OptimizerKind.AdamW : OptimizerKind.Sgd;
        var config = new DetectionExperimentConfig
        {
            Data = new DetectionDataConfig
            {
                TrainImages = m.DetectionTrainImages, TrainAnnotations = m.DetectionTrainAnnotations,
                // val=train evaluates on the training images (a pipeline check: a fitted model must score high).
                ValImages = Get("val", "val") == "train" ? m.DetectionTrainImages : m.DetectionValImages,
                ValAnnotations = Get("val", "val") == "train" ? m.DetectionTrainAnnotations : m.DetectionValAnnotations,
                SmallMaxArea = m.SmallMaxArea, LargeMinArea = m.LargeMinArea,
                Fraction = double.Parse(Get("fraction", "1")),
                // minival=0.1 holds 10% of train out and scores it (minival_AP): what calibration decides on.
                MinivalShare = double.Parse(Get("minival", "0")),
            },
            Detector = DetectorConfig.Preset(Get("backbone", "resnet-mini"), m.DetectionCategories.Count, mini.ImageSize),
            Augment = AugmentConfig.ForLevel(AugmentLevels.Parse(Get("level", "S1")), mini.ImageSize),
            Trainer = new TrainerOptions
            {
                Optimizer = optimizer, LearningRate = double.Parse(Get("lr", "0.02")), WeightDecay = double.Parse(Get("wd", "4e-5")),
                NoWeightDecayOnNormAndBias = true, WarmupSteps = long.Parse(Get("warmup", "50")), TotalSteps = steps,
                MaxGradNorm = 10, Threads = int.Parse(Get("threads", "2")), CheckpointInterval = steps, TensorBoard = false,
            },
            BatchSize = int.Parse(Get("batch", "32")),
            Seed = long.Parse(Get("seed", "0")),
        };
        var outDir = Path.Combine(Path.GetTempPath(), $"repro-fit-{Guid.NewGuid():N}");
        DetectionExperimentResult r;
        try { r = DetectionExperiment.Run(config, outDir); }
        finally { Console.WriteLine($"gc: regions {Repro.Core.Native.GcPause.RegionsStarted}, collections inside regions {Repro.Core.Native.GcPause.CollectionsInsideRegions}, gen0 {GC.CollectionCount(0)}"); }
        Console.WriteLine(r.Eval.ToText());
        if (Get("keep", "0") == "1") Console.WriteLine($"kept {outDir}"); else Directory.Delete(outDir, recursive: true);
        var results = new Dictionary<string, double>(r.Metrics) { ["train_seconds"] = r.Training.Elapsed.TotalSeconds, ["final_loss"] = r.Training.FinalLosses["loss"] };
        // With val=train the "AP" above is on the training images (how well the model fits); minival_AP is held out.
        foreach (var (k, v) in r.MinivalMetrics ?? new Dictionary<string, double>()) results["minival_" + k] = v;
        return results;
    }
}
