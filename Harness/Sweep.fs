/// A resumable sweep over planned runs: runs without a record are executed in grid order, finished ones skipped,
/// failures recorded and passed over. Holds the results folder's lock for its whole life. Progress goes to stderr
/// as plain lines (they read well in logs and CI) with the sweep's and the current run's ETA.
module Repro.Harness.Sweep

open System
open System.Diagnostics
open Repro.Core.Training
open Repro.Harness.RunStore
open Repro.Harness.Plan
open Repro.Harness.Runner

type Summary =
    { Ran: int
      Failed: int
      Skipped: int
      Blocked: int
      WallSeconds: float }

let private fmt (s: float) =
    let t = TimeSpan.FromSeconds(max 0.0 s)
    if t.TotalHours >= 1.0 then sprintf "%dh%02dm" (int t.TotalHours) t.Minutes
    elif t.TotalMinutes >= 1.0 then sprintf "%dm%02ds" t.Minutes t.Seconds
    else sprintf "%.0fs" t.TotalSeconds

/// Which planned runs still need executing: runnable, and no record yet (or a failed one when retrying).
let pending (store: RunStore) (retryFailed: bool) (runs: PlannedRun list) =
    runs
    |> List.filter (fun r -> r.Blocked.IsNone)
    // Cells the profile maps to the same config (e.g. both paper backbones to one miniature) share one run.
    |> List.distinctBy (fun r -> r.Hash)
    |> List.filter (fun r ->
        match store.TryRead r.Hash with
        | None -> true
        | Some rec' -> retryFailed && rec'.Status = Failed)

/// The one number a progress line shows for a finished run: its task metric, or what a prerequisite produced.
let headline (metrics: Map<string, float>) =
    [ "AP"; "mIoU"; "linear_probe_top1"; "top1"; "boxes_per_image" ]
    |> List.tryPick (fun k -> metrics.TryFind k |> Option.map (fun v -> sprintf "%s %.2f" k v))
    |> Option.defaultValue "done"

let run (store: RunStore) (runs: PlannedRun list) (retryFailed: bool) (ct: Threading.CancellationToken) =
    use _lock =
        match SweepLock.Acquire store.Root with
        | Ok l -> l
        | Error msg -> raise (InvalidOperationException msg)
    let todo = pending store retryFailed runs
    let blocked = runs |> List.filter (fun r -> r.Blocked.IsSome) |> List.length
    let skipped = (runs |> List.filter (fun r -> r.Blocked.IsNone) |> List.distinctBy (fun r -> r.Hash) |> List.length) - todo.Length
    eprintfn "sweep: %d runs to do, %d already recorded, %d blocked (regime not implemented yet)" todo.Length skipped blocked
    let sw = Stopwatch.StartNew()
    let mutable estimatedDone = 0.0
    let mutable failed = 0
    let totalEstimate = todo |> List.sumBy (fun r -> r.EstimatedSeconds)
    todo
    |> List.iteri (fun i r ->
        ct.ThrowIfCancellationRequested()
        // Scale the remaining estimate by how the finished runs compared with their estimates.
        let ratio = if estimatedDone > 0.0 then sw.Elapsed.TotalSeconds / estimatedDone else 1.0
        eprintfn "[%d/%d] %s  (run ~%s, sweep left ~%s)" (i + 1) todo.Length r.Label
            (fmt (r.EstimatedSeconds * ratio)) (fmt ((totalEstimate - estimatedDone) * ratio))
        let mutable lastPrint = Stopwatch.StartNew()
        let progress =
            { new IProgress<TrainingProgress> with
                member _.Report p =
                    if lastPrint.Elapsed.TotalSeconds >= 15.0 || p.Step = p.TotalSteps then
                        lastPrint <- Stopwatch.StartNew()
                        let loss = match p.Losses.TryGetValue "loss" with | true, v -> sprintf "%.3f" v | _ -> "?"
                        eprintfn "      step %d/%d  loss %s  lr %.4g  %s  eta %s" p.Step p.TotalSteps loss p.LearningRate
                            (match Option.ofNullable p.ImagesPerSecond with Some ips -> sprintf "%.0f img/s" ips | None -> "")
                            (fmt p.Eta.TotalSeconds) }
        let record = execute store r progress ct
        estimatedDone <- estimatedDone + r.EstimatedSeconds
        match record.Status with
        | Succeeded -> eprintfn "      %s  (%s)" (headline record.Metrics) (fmt record.WallSeconds)
        | Failed ->
            failed <- failed + 1
            eprintfn "      FAILED: %s" (defaultArg record.Error "?"))
    { Ran = todo.Length - failed; Failed = failed; Skipped = skipped; Blocked = blocked; WallSeconds = sw.Elapsed.TotalSeconds }
