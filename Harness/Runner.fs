/// From the grid to runs: resolves a profile's data, turns each (cell, seed) into a Core experiment config named by
/// its hash, and executes the runs that have no record yet — one failure is recorded and the sweep goes on.
module Repro.Harness.Runner

open System
open System.Diagnostics
open System.IO
open System.Text.Json
open System.Text.Json.Nodes
open Repro.Core.Data.Miniature
open Repro.Core.Experiments
open Repro.Core.Models.Detection
open Repro.Core.Training
open Repro.Harness.Domain
open Repro.Harness.Profiles
open Repro.Harness.RunStore

/// A profile's data resolved to files, plus an identity that names it in run hashes (paths are incidental:
/// moving the data must not change which runs are "the same").
type ResolvedData =
    { Detection: DetectionDataConfig
      NumClasses: int
      Identity: string
      Description: string }

/// Miniature data: generated once per config and cached by hash under `cacheRoot`.
let resolveData (profile: Profile) (cacheRoot: string) (progress: IProgress<MiniatureProgress> option) =
    match profile.Data with
    | Miniature preset ->
        let m = MiniatureGenerator.Generate(MiniatureConfig.Preset preset, cacheRoot, Option.toObj progress)
        { Detection =
            DetectionDataConfig(
                TrainImages = m.DetectionTrainImages, TrainAnnotations = m.DetectionTrainAnnotations,
                ValImages = m.DetectionValImages, ValAnnotations = m.DetectionValAnnotations,
                SmallMaxArea = m.SmallMaxArea, LargeMinArea = m.LargeMinArea)
          NumClasses = m.DetectionCategories.Count
          Identity = sprintf "miniature:%s" m.ContentHash
          Description = sprintf "miniature %s (%d train / %d val detection images)" preset m.DetectionTrainCount m.DetectionValCount }
    | RealData(cocoRoot, _) ->
        let p (parts: string list) = Path.Combine(cocoRoot :: parts |> Array.ofList)
        let valAnnotations = p [ "annotations"; "instances_val2017.json" ]
        for f in [ p [ "train2017" ]; p [ "val2017" ] ] do
            if not (Directory.Exists f) then raise (DirectoryNotFoundException(sprintf "--coco-root: %s not found (expected COCO 2017 layout)" f))
        if not (File.Exists valAnnotations) then raise (FileNotFoundException(sprintf "--coco-root: %s not found" valAnnotations, valAnnotations))
        use doc = JsonDocument.Parse(File.ReadAllText valAnnotations)
        let categories = doc.RootElement.GetProperty("categories").GetArrayLength()
        { Detection =
            DetectionDataConfig(
                TrainImages = p [ "train2017" ], TrainAnnotations = p [ "annotations"; "instances_train2017.json" ],
                ValImages = p [ "val2017" ], ValAnnotations = valAnnotations)
          NumClasses = categories
          Identity = sprintf "coco2017:%s" (Path.GetFullPath cocoRoot)
          Description = sprintf "COCO 2017 at %s" cocoRoot }

/// Why a cell cannot run yet: the regime it needs is not implemented. Such cells are planned and reported
/// ("not run") but never faked.
let blockedReason (cell: Cell) =
    if cell.Task = Segmentation then Some "the segmentation model is not implemented yet (issue 7)"
    elif cell.Init <> Rand then Some(sprintf "%s needs the pre-training regimes (issue 6)" cell.Init.Label)
    elif cell.JointTraining then Some "joint training is not implemented yet (issue 9)"
    elif cell.SelfTraining then Some "self-training is not implemented yet (issue 9)"
    else None

/// The Core experiment config of one (cell, seed) under a profile.
let detectionConfig (profile: Profile) (data: ResolvedData) (cell: Cell) (seed: int) =
    let steps = profile.StepsFor cell.Augment
    DetectionExperimentConfig(
        Data = data.Detection.WithFraction(cell.Fraction, 0),
        Detector = DetectorConfig.Preset(profile.BackboneFor cell.Backbone, data.NumClasses, profile.ImageSize),
        Augment = Repro.Core.Augment.AugmentConfig.ForLevel(cell.Augment.Id, profile.ImageSize),
        Trainer =
            TrainerOptions(
                Optimizer = (match profile.Optimizer with
                             | "sgd" -> OptimizerKind.Sgd
                             | "adamw" -> OptimizerKind.AdamW
                             | other -> invalidArg "profile" (sprintf "profile %s: unknown optimizer '%s' (sgd | adamw)" profile.Name other)),
                LearningRate = profile.LearningRate, Momentum = 0.9,
                WeightDecay = 4e-5, NoWeightDecayOnNormAndBias = true, WarmupSteps = int64 profile.WarmupSteps,
                Schedule = LearningRateScheduleKind.Cosine, TotalSteps = int64 steps, MaxGradNorm = Nullable 10.0,
                Device = profile.Device, Threads = profile.Threads,
                CheckpointInterval = int64 (max 50 (steps / 4)), LogInterval = 10L),
        BatchSize = profile.BatchSize,
        Seed = int64 seed)

/// The JSON a run is named by: the config with file paths replaced by the data's identity.
let hashedSpec (kind: string) (dataIdentity: string) (config: obj) =
    let node = JsonNode.Parse(JsonSerializer.Serialize(config, config.GetType(), CanonicalJson.options)).AsObject()
    match node.["Data"] with
    | :? JsonObject as d ->
        for f in [ "TrainImages"; "TrainAnnotations"; "ValImages"; "ValAnnotations" ] do d.Remove f |> ignore
    | _ -> ()
    let spec = JsonObject()
    spec.["kind"] <- JsonValue.Create kind
    spec.["specVersion"] <- JsonValue.Create 1
    spec.["data"] <- JsonValue.Create dataIdentity
    spec.["config"] <- node
    JsonNode.Parse(CanonicalJson.canonicalizeText (spec.ToJsonString()))

type PlannedRun =
    { Cell: Cell
      Seed: int
      Hash: string
      Config: DetectionExperimentConfig option
      Spec: JsonNode option
      Blocked: string option
      EstimatedSeconds: float }

    member r.Label = sprintf "%s seed %d" r.Cell.Name r.Seed

/// Every (cell, seed) of the grid under the profile, runnable or blocked, in grid order.
let plan (profile: Profile) (data: ResolvedData) (cells: Cell list) =
    [ for cell in cells do
        for seed in profile.Seeds do
            match blockedReason cell with
            | Some why ->
                let hash = CanonicalJson.hashOf (cell, seed, profile.Name)
                { Cell = cell; Seed = seed; Hash = hash; Config = None; Spec = None; Blocked = Some why; EstimatedSeconds = 0.0 }
            | None ->
                let config = detectionConfig profile data cell seed
                let spec = hashedSpec "detection" data.Identity config
                let hash = (CanonicalJson.sha256 (spec.ToJsonString())).Substring(0, 16)
                let seconds = float (profile.StepsFor cell.Augment * profile.BatchSize) * profile.SecondsPerImage
                { Cell = cell; Seed = seed; Hash = hash; Config = Some config; Spec = Some spec; Blocked = None; EstimatedSeconds = seconds } ]

/// The code that produced a record: the git commit (with "-dirty" for uncommitted changes) when available.
let codeVersion =
    lazy
        (try
            let psi = ProcessStartInfo("git", "describe --always --dirty --abbrev=12", RedirectStandardOutput = true, RedirectStandardError = true)
            use p = Process.Start psi
            let out = p.StandardOutput.ReadToEnd().Trim()
            p.WaitForExit()
            if p.ExitCode = 0 && out <> "" then out else "unknown"
         with _ -> "unknown")

let environmentInfo () =
    Map [ "machine", Environment.MachineName
          "os", Runtime.InteropServices.RuntimeInformation.OSDescription
          "dotnet", Environment.Version.ToString()
          "cores", string Environment.ProcessorCount
          "torch_threads", string (TorchSharp.torch.get_num_threads ())
          "torchsharp_native", defaultArg (Option.ofObj Repro.Core.Native.TorchNativeLoader.Report) "" ]

/// Runs one planned run and writes its record (Succeeded or Failed, never half-written).
let execute (store: RunStore) (run: PlannedRun) (progress: IProgress<TrainingProgress>) (ct: Threading.CancellationToken) =
    let config = run.Config.Value
    let dir = store.RunDir run.Hash
    Directory.CreateDirectory dir |> ignore
    Repro.Core.AtomicFile.WriteAllText(Path.Combine(dir, "spec.json"), run.Spec.Value.ToJsonString(CanonicalJson.indented))
    let started = DateTime.UtcNow
    let sw = Stopwatch.StartNew()
    let record status error metrics artifacts =
        { Hash = run.Hash; Kind = "detection"; Label = run.Label; Cell = Some(Grid.keyOf run.Cell); Spec = run.Spec.Value
          Seed = run.Seed; Status = status; Error = error; Metrics = metrics; Artifacts = artifacts
          CodeVersion = codeVersion.Force(); Environment = environmentInfo (); StartedUtc = started
          FinishedUtc = DateTime.UtcNow; WallSeconds = sw.Elapsed.TotalSeconds }
    let result =
        try
            let r = DetectionExperiment.Run(config, dir, progress, ct)
            let metrics =
                r.Metrics |> Seq.map (fun kv -> kv.Key, kv.Value) |> Map.ofSeq
                |> Map.add "train_images" (float r.TrainImages)
                |> Map.add "batch_size" (float r.BatchSize)
                |> Map.add "train_seconds" r.Training.Elapsed.TotalSeconds
            let artifacts =
                Map [ "fraction_manifest", Path.GetRelativePath(dir, r.FractionManifestPath)
                      "fraction_manifest_hash", r.FractionManifestHash
                      "detections", Path.GetRelativePath(dir, r.DetectionsPath)
                      "weights", Path.GetRelativePath(dir, r.Training.FinalWeightsPath) ]
            record Succeeded None metrics artifacts
        with
        | :? OperationCanceledException -> reraise ()
        | e ->
            let root = match e with :? AggregateException as a -> a.GetBaseException() | _ -> e
            // The record keeps the first line (native errors append whole C++ stack traces); the full exception,
            // managed stack included, goes to error.txt beside it.
            Repro.Core.AtomicFile.WriteAllText(Path.Combine(dir, "error.txt"), e.ToString())
            let firstLine = root.Message.Split('\n').[0].Trim()
            record Failed (Some(sprintf "%s: %s (details: error.txt)" (root.GetType().Name) firstLine)) Map.empty Map.empty
    store.Write result
    result
