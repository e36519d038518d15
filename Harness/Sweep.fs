/// A resumable sweep over planned runs: runs without a record are executed in grid order, finished ones skipped,
/// failures recorded and passed over. Holds the results folder's lock for its whole life. Progress goes to stderr
/// as plain lines (they read well in logs and CI) with the sweep's and the current run's ETA.
module Repro.Harness.Sweep

open System
open System.Diagnostics
open Repro.Core.Training
open Spectre.Console
open Repro.Harness.RunStore
open Repro.Harness.Plan
open Repro.Harness.Runner

type Summary =
    { Ran: int
      Failed: int
      Skipped: int
      /// Of the skipped runs, those whose record is a failure (left as they are without --retry-failed).
      SkippedFailed: int
      Blocked: int
      WallSeconds: float }

/// A duration as progress lines print it: "1h05m", "4m12s", "37s".
let duration (s: float) =
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

/// "N already recorded", and how many of them are failures a plain rerun leaves as they are.
let recordedText (skipped: int) (skippedFailed: int) =
    if skippedFailed = 0 then sprintf "%d already recorded" skipped
    else sprintf "%d already recorded (%d of them failed: rerun with --retry-failed)" skipped skippedFailed

/// The one number a progress line shows for a finished run: its task metric, or what a prerequisite produced.
let headline (metrics: Map<string, float>) =
    [ "AP"; "mIoU"; "linear_probe_top1"; "top1"; "boxes_per_image" ]
    |> List.tryPick (fun k -> metrics.TryFind k |> Option.map (fun v -> sprintf "%s %.2f" k v))
    |> Option.defaultValue "done"

/// Where a sweep's progress goes: one run starts, reports steps, ends.
type private Display =
    abstract Start: index: int * total: int * label: string * runEta: float * sweepEta: float -> unit
    abstract Step: TrainingProgress -> unit
    abstract Finish: RunRecord -> unit

/// Plain lines on stderr, a few per run: they read well in logs, CI and redirected output.
let private lineDisplay () =
    let mutable lastPrint = Stopwatch.StartNew()
    { new Display with
        member _.Start(i, n, label, runEta, sweepEta) =
            lastPrint <- Stopwatch.StartNew()
            eprintfn "[%d/%d] %s  (run ~%s, sweep left ~%s)" i n label (duration runEta) (duration sweepEta)
        member _.Step p =
            if lastPrint.Elapsed.TotalSeconds >= 15.0 || p.Step = p.TotalSteps then
                lastPrint <- Stopwatch.StartNew()
                let loss = match p.Losses.TryGetValue "loss" with | true, v -> sprintf "%.3f" v | _ -> "?"
                eprintfn "      step %d/%d  loss %s  lr %.4g  %s  eta %s" p.Step p.TotalSteps loss p.LearningRate
                    (match Option.ofNullable p.ImagesPerSecond with Some ips -> sprintf "%.0f img/s" ips | None -> "")
                    (duration p.Eta.TotalSeconds)
        member _.Finish record =
            match record.Status with
            | Succeeded -> eprintfn "      %s  (%s)" (headline record.Metrics) (duration record.WallSeconds)
            | Failed -> eprintfn "      FAILED: %s" (defaultArg record.Error "?") }

/// A live Spectre.Console display on an interactive terminal: a bar for the sweep (by estimated time) and one for the
/// current run (by steps), each with its ETA; finished runs stay listed with their headline number.
let private spectreDisplay (ctx: ProgressContext) (totalEstimate: float) =
    let sweep = ctx.AddTask("sweep", true, max 1.0 totalEstimate)
    let mutable current: ProgressTask option = None
    let esc (s: string) = Markup.Escape s
    { new Display with
        member _.Start(i, n, label, _, _) =
            current <- Some(ctx.AddTask(sprintf "[[%d/%d]] %s" i n (esc label), true, 1.0))
        member _.Step p =
            match current with
            | Some t ->
                t.MaxValue <- float p.TotalSteps
                t.Value <- float p.Step
            | None -> ()
        member _.Finish record =
            match current with
            | Some t ->
                let outcome =
                    match record.Status with
                    | Succeeded -> sprintf "[green]%s[/]" (esc (headline record.Metrics))
                    | Failed -> sprintf "[red]FAILED: %s[/]" (esc (defaultArg record.Error "?"))
                t.Description <- sprintf "%s  %s (%s)" t.Description outcome (duration record.WallSeconds)
                t.Value <- t.MaxValue
                t.StopTask()
            | None -> ()
            current <- None }, sweep

/// Runs what `runs` still needs, in this process, or through `inWorkers` (it takes the runs to do and returns how many
/// failed: Workers.run) when given.
let run (store: RunStore) (runs: PlannedRun list) (retryFailed: bool) (inWorkers: (PlannedRun list -> int) option)
        (ct: Threading.CancellationToken) =
    use _lock =
        match SweepLock.Acquire store.Root with
        | Ok l -> l
        | Error msg -> raise (Locked msg)
    let todo = pending store retryFailed runs
    let blocked = runs |> List.filter (fun r -> r.Blocked.IsSome) |> List.length
    let todoHashes = todo |> List.map (fun r -> r.Hash) |> Set.ofList
    let skippedRecords =
        runs |> List.filter (fun r -> r.Blocked.IsNone && not (todoHashes.Contains r.Hash)) |> List.distinctBy (fun r -> r.Hash)
        |> List.choose (fun r -> store.TryRead r.Hash)
    let skipped = skippedRecords.Length
    let skippedFailed = skippedRecords |> List.filter (fun r -> r.Status = Failed) |> List.length
    eprintfn "sweep: %d runs to do, %s, %d blocked (see `repro plan` for why)" todo.Length (recordedText skipped skippedFailed) blocked
    let sw = Stopwatch.StartNew()
    let mutable estimatedDone = 0.0
    let mutable failed = 0
    let totalEstimate = todo |> List.sumBy (fun r -> r.EstimatedSeconds)
    let loop (display: Display) (onRunDone: float -> unit) =
        todo
        |> List.iteri (fun i r ->
            ct.ThrowIfCancellationRequested()
            // Scale the remaining estimate by how the finished runs compared with their estimates.
            let ratio = if estimatedDone > 0.0 then sw.Elapsed.TotalSeconds / estimatedDone else 1.0
            display.Start(i + 1, todo.Length, r.Label, r.EstimatedSeconds * ratio, (totalEstimate - estimatedDone) * ratio)
            let progress = { new IProgress<TrainingProgress> with member _.Report p = display.Step p }
            let record = execute store r progress ct
            estimatedDone <- estimatedDone + r.EstimatedSeconds
            if record.Status = Failed then failed <- failed + 1
            display.Finish record
            onRunDone r.EstimatedSeconds)
    // A live display only where a person watches a terminal; logs, CI and tests get plain lines.
    let interactive =
        not Console.IsErrorRedirected && isNull (Environment.GetEnvironmentVariable "CI")
        && isNull (Environment.GetEnvironmentVariable "REPRO_PLAIN_PROGRESS")
    match inWorkers with
    | Some runAll when not todo.IsEmpty -> failed <- runAll todo
    | _ when interactive && not todo.IsEmpty ->
        let console = AnsiConsole.Create(AnsiConsoleSettings(Out = AnsiConsoleOutput(Console.Error)))
        console.Progress()
            .AutoClear(false)
            .Columns([| TaskDescriptionColumn(Alignment = Justify.Left) :> ProgressColumn
                        ProgressBarColumn(); PercentageColumn()
                        RemainingTimeColumn(); SpinnerColumn() |])
            .Start(fun ctx ->
                let display, sweepTask = spectreDisplay ctx totalEstimate
                loop display (fun seconds -> sweepTask.Increment seconds))
    | _ -> loop (lineDisplay ()) ignore
    { Ran = todo.Length - failed; Failed = failed; Skipped = skipped; SkippedFailed = skippedFailed; Blocked = blocked
      WallSeconds = sw.Elapsed.TotalSeconds }

/// Whether any planned run's record is a failure, made now or left from before: the sweep's work is not done (exit 1).
let anyFailed (s: Summary) = s.Failed > 0 || s.SkippedFailed > 0
