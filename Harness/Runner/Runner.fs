/// Executes planned runs: one run → one record (Succeeded with metrics and artifacts, or Failed with the reason),
/// never half-written. A failure is recorded and the sweep goes on.
module Repro.Harness.Runner

open System
open System.Diagnostics
open System.IO
open Repro.Core.Experiments
open Repro.Core.Training
open Repro.Harness.DataSources
open Repro.Harness.RunKinds
open Repro.Harness.Plan
open Repro.Harness.RunStore

/// Names the code version a sweep's workers record: the parent's, taken when the sweep started.
let codeVersionVariable = "REPRO_CODE_VERSION"

let private gitDescribe () =
    try
        let psi = ProcessStartInfo("git", "describe --always --dirty --abbrev=12", RedirectStandardOutput = true, RedirectStandardError = true)
        use p = Process.Start psi
        let out = p.StandardOutput.ReadToEnd().Trim()
        p.WaitForExit()
        if p.ExitCode = 0 && out <> "" then out else "unknown"
    with _ -> "unknown"

/// The code that produced a record: the git commit (with "-dirty" for uncommitted changes) when available, taken
/// once per process (a sweep forces it at its start, before anyone can edit the tree under a long sweep) or handed
/// down by the sweep that started this worker.
let codeVersion =
    lazy
        (match Environment.GetEnvironmentVariable codeVersionVariable with
         | null | "" -> gitDescribe ()
         | handedDown -> handedDown)

let environmentInfo () =
    Map [ "machine", Environment.MachineName
          "os", Runtime.InteropServices.RuntimeInformation.OSDescription
          "dotnet", Environment.Version.ToString()
          "cores", string Environment.ProcessorCount
          "torch_threads", string (TorchSharp.torch.get_num_threads ())
          // What decides the run's rounding besides config and seed: golden checks compare bit for bit only within one.
          "platform", CanonicalJson.serialize (Repro.Core.Native.PlatformFingerprint.Current())
          "torchsharp_native", defaultArg (Option.ofObj Repro.Core.Native.TorchNativeLoader.Report) "" ]

/// The metrics and artifacts a detection-style result leaves in a record (paths relative to the run's folder).
let private detectionOutcome (dir: string) (r: DetectionExperimentResult) =
    let metrics =
        r.Metrics |> Seq.map (fun kv -> kv.Key, kv.Value) |> Map.ofSeq
        |> Map.add "train_images" (float r.TrainImages)
        |> Map.add "batch_size" (float r.BatchSize)
        |> Map.add "train_seconds" r.Training.Elapsed.TotalSeconds
    // The minival's numbers, where one is held out: what a schedule ladder selects by (never the val split's).
    let metrics =
        match Option.ofObj r.MinivalMetrics with
        | Some m ->
            m |> Seq.fold (fun acc kv -> acc |> Map.add (ScheduleSelection.minivalMetric kv.Key) kv.Value) metrics
            |> Map.add "minival_images" (float r.MinivalImages)
        | None -> metrics
    let artifacts =
        Map [ "fraction_manifest", Path.GetRelativePath(dir, r.FractionManifestPath)
              "fraction_manifest_hash", r.FractionManifestHash
              "detections", Path.GetRelativePath(dir, r.DetectionsPath)
              "weights", Path.GetRelativePath(dir, r.Training.FinalWeightsPath) ]
    metrics, artifacts

/// Metrics as a record's map (Core reports them as a read-only dictionary).
let private mapOf (d: Collections.Generic.IReadOnlyDictionary<string, float>) = d |> Seq.map (fun kv -> kv.Key, kv.Value) |> Map.ofSeq

let private rel (dir: string) (path: string) = Path.GetRelativePath(dir, path)

/// Runs one Core experiment in `dir`; returns its metrics and artifacts.
let private runKind (kind: RunKind) (dir: string) (progress: IProgress<TrainingProgress>) (ct: Threading.CancellationToken) =
    match kind with
    | DetectionRun config -> DetectionExperiment.Run(config, dir, progress, ct) |> detectionOutcome dir
    | StudentRun config -> SelfTrainingExperiment.Run(config, dir, progress, ct) |> detectionOutcome dir
    | JointRun config -> JointTrainingExperiment.Run(config, dir, progress, ct) |> detectionOutcome dir
    | JointStudentRun config -> SelfTrainingExperiment.Run(config, dir, progress, ct) |> detectionOutcome dir
    | PretrainingRun config ->
        let r = PretrainingExperiment.Run(config, dir, progress, ct)
        let metrics = mapOf r.Metrics
        let artifacts =
            [ "backbone_weights", rel dir r.BackboneWeightsPath
              if not (isNull r.ClassifierWeightsPath) then "classifier_weights", rel dir r.ClassifierWeightsPath ]
        metrics, Map artifacts
    | PseudoLabelRun(config, hidden) ->
        let r = PseudoLabeling.Run(config, dir, ct, hidden |> Option.filter File.Exists |> Option.toObj)
        mapOf r.Metrics, Map [ "pseudo_labels", rel dir r.AnnotationsPath ]
    | SegmentationRun config ->
        let r = SegmentationExperiment.Run(config, dir, progress, ct)
        mapOf r.Metrics |> Map.add "train_images" (float r.TrainImages) |> Map.add "train_seconds" r.Training.Elapsed.TotalSeconds,
        Map [ "weights", rel dir r.Training.FinalWeightsPath ]
    | SegmentationPseudoLabelRun config ->
        let r = Repro.Core.Regimes.Segmentation.SegmentationPseudoLabeling.Run(config, dir, ct)
        Map [ "images", float r.Images; "ignored_fraction", r.IgnoredFraction ],
        Map [ "pseudo_stats", rel dir r.StatsPath ]

/// The record of `run`, ending now, `wallSeconds` after `started`.
let recordOf (run: RunnableRun) (started: DateTime) (wallSeconds: float) status error metrics artifacts : RunRecord =
    { Hash = run.Hash; Kind = run.Kind.Id; Label = run.Label
      Cell = run.Cells |> List.tryHead |> Option.map Grid.keyOf; Spec = run.Spec; Seed = run.Seed; Status = status; Error = error
      Metrics = metrics; Artifacts = artifacts; CodeVersion = codeVersion.Force(); Environment = environmentInfo ()
      StartedUtc = started; FinishedUtc = DateTime.UtcNow; WallSeconds = wallSeconds }

/// A failed run's record: the reason in the record, the details in error.txt beside it.
let failureOf (store: RunStore) (run: RunnableRun) (started: DateTime) (wallSeconds: float) (reason: string) (details: string) =
    Repro.Core.AtomicFile.WriteAllText(Path.Combine(store.RunDir run.Hash, "error.txt"), details)
    recordOf run started wallSeconds Failed (Some(reason + " (details: error.txt)")) Map.empty Map.empty

/// Deletes the temp files under a run's folder `dir`: a writer killed between writing a file and renaming it into place
/// (Core's AtomicFile) leaves one behind. Only for a folder this process holds (the sweep's or the run's lock), where
/// no live writer can own one.
let removeStaleTemps (dir: string) =
    for stale in Directory.GetFiles(dir, "*.tmp", SearchOption.AllDirectories) do File.Delete stale

/// Runs one planned run and writes its record (Succeeded or Failed, never half-written). A run whose prerequisite
/// has no successful record fails at once, naming it.
let execute (store: RunStore) (run: RunnableRun) (progress: IProgress<TrainingProgress>) (ct: Threading.CancellationToken) =
    let kind = run.Kind
    let dir = store.RunDir run.Hash
    Directory.CreateDirectory dir |> ignore
    removeStaleTemps dir
    Repro.Core.AtomicFile.WriteAllText(Path.Combine(dir, "spec.json"), run.Spec.ToJsonString(CanonicalJson.indented))
    let started = DateTime.UtcNow
    let sw = Stopwatch.StartNew()
    let record status error metrics artifacts = recordOf run started sw.Elapsed.TotalSeconds status error metrics artifacts
    let missing =
        run.RequiredHashes |> List.tryPick (fun h ->
            match store.TryRead h with
            | Some r when r.Status = Succeeded -> None
            | Some r -> Some(sprintf "prerequisite %s (%s) failed: %s" h r.Label (defaultArg r.Error "?"))
            | None -> Some(sprintf "prerequisite %s has not run" h))
        |> Option.orElse (
            run.FilesRead |> List.tryPick (fun (h, file) ->
                let path = Path.Combine(store.RunDir h, file)
                if File.Exists path || Directory.Exists path then None
                else Some(sprintf "%s, which prerequisite %s wrote, is gone (a sweep runs the prerequisite again)" path h)))
    let result =
        match missing with
        | Some why -> record Failed (Some why) Map.empty Map.empty
        | None ->
            try
                let metrics, artifacts = runKind kind dir progress ct
                record Succeeded None metrics artifacts
            with
            | :? OperationCanceledException -> reraise ()
            | e ->
                let root = match e with :? AggregateException as a -> a.GetBaseException() | _ -> e
                // The record keeps the first line (native errors append whole C++ stack traces); the full exception,
                // managed stack included, goes to error.txt beside it.
                let firstLine = root.Message.Split('\n').[0].Trim()
                failureOf store run started sw.Elapsed.TotalSeconds (sprintf "%s: %s" (root.GetType().Name) firstLine) (e.ToString())
    store.Write result
    result
