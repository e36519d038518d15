/// A resumable sweep over planned runs: runs without a record are executed in grid order, finished ones skipped,
/// failures recorded and passed over. Holds the results folder's lock for its whole life. Progress goes to stderr:
/// the live board on a terminal, plain lines (they read well in logs and CI) otherwise, with the sweep's and the
/// current run's ETA.
module Repro.Harness.Sweep

open System
open System.Diagnostics
open Repro.Core.Training
open Spectre.Console
open Repro.Harness.RunStore
open Repro.Harness.DataSources
open Repro.Harness.RunKinds
open Repro.Harness.Plan
open Repro.Harness.Runner
open Repro.Harness.LiveBoard

type Summary =
    { Ran: int
      Failed: int
      Skipped: int
      /// Of the skipped runs, those whose record is a failure (left as they are without --retry-failed).
      SkippedFailed: int
      Blocked: int
      WallSeconds: float }

/// Of the files `todo` runs read, those missing from prerequisites recorded as succeeded (a results folder that
/// holds only committed records, or a run folder cleaned by hand): the prerequisites to run again.
let private lostPrerequisites (store: RunStore) (todo: RunnableRun list) (doing: Set<string>) =
    todo
    |> List.collect (fun r -> r.FilesRead)
    |> List.filter (fun (hash, file) ->
        not (doing.Contains hash)
        && (match store.TryRead hash with Some r -> r.Status = Succeeded | None -> false)
        && not (let p = IO.Path.Combine(store.RunDir hash, file) in IO.File.Exists p || IO.Directory.Exists p))
    |> List.map fst
    |> Set.ofList

/// Which planned runs still need executing, in plan order: runnable, and no record yet (or a failed one when
/// retrying), with the recorded prerequisites whose files those runs read are gone.
let pending (store: RunStore) (retryFailed: bool) (runs: PlannedRun list) =
    // Cells the profile maps to the same config (e.g. both paper backbones to one miniature) share one run.
    let all = runnable runs |> List.distinctBy (fun r -> r.Hash)
    let unrecorded =
        all |> List.filter (fun r ->
            match store.TryRead r.Hash with
            | None -> true
            | Some rec' -> retryFailed && rec'.Status = Failed)
    let rec close (doing: Set<string>) =
        let lost = lostPrerequisites store (all |> List.filter (fun r -> doing.Contains r.Hash)) doing
        if lost.IsEmpty then doing else close (Set.union doing lost)
    let doing = close (unrecorded |> List.map (fun r -> r.Hash) |> Set.ofList)
    all |> List.filter (fun r -> doing.Contains r.Hash)

/// What a sweep leaves as it is: (runs recorded before it, of them failed, blocked runs), given the runs it will do
/// (`todo`) and those another process holds (`held`: hashes queued under Slurm).
let leftAsIs (store: RunStore) (runs: PlannedRun list) (todo: RunnableRun list) (held: Set<string>) =
    let todoHashes = todo |> List.map (fun r -> r.Hash) |> Set.ofList
    let recorded =
        runnable runs |> List.filter (fun r -> not (todoHashes.Contains r.Hash) && not (held.Contains r.Hash))
        |> List.distinctBy (fun r -> r.Hash)
        |> List.choose (fun r -> store.TryRead r.Hash)
    recorded.Length, recorded |> List.filter (fun r -> r.Status = Failed) |> List.length,
    runs |> List.filter (function Blocked _ -> true | Runnable _ -> false) |> List.length

/// "N already recorded", and how many of them are failures a plain rerun leaves as they are.
let recordedText (skipped: int) (skippedFailed: int) =
    if skippedFailed = 0 then sprintf "%d already recorded" skipped
    else sprintf "%d already recorded (%d of them failed: rerun with --retry-failed)" skipped skippedFailed

/// Where a sweep's progress goes: one run starts, reports steps, ends.
type private Display =
    abstract Start: index: int * total: int * run: RunnableRun * runEta: float * sweepEta: float -> unit
    abstract Step: TrainingProgress -> unit
    abstract Finish: RunRecord -> unit

/// Plain lines on stderr, a few per run: they read well in logs, CI and redirected output.
let private lineDisplay () =
    let mutable lastPrint = Stopwatch.StartNew()
    { new Display with
        member _.Start(i, n, run, runEta, sweepEta) =
            lastPrint <- Stopwatch.StartNew()
            eprintfn "[%d/%d] %s  (run ~%s, sweep left ~%s)" i n run.Label (duration runEta) (duration sweepEta)
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

/// The live board on an interactive terminal (LiveBoard): the sweep's bar, the current run's row, the runs that ended.
let private boardDisplay (board: Board) =
    let mutable current = 0
    { new Display with
        member _.Start(i, _, run, _, _) =
            current <- i
            board.Start(i, run.Label, run.EstimatedSeconds)
        member _.Step p = board.Step(current, p.Step, p.TotalSteps, p.Eta.TotalSeconds)
        member _.Finish record = board.Finish(current, record) }

/// Runs what `runs` still needs, in this process, or through `inWorkers` when given: (how many at once, a function
/// that takes the runs to do and the live board to report to, if any, and returns how many failed: Workers.run).
let run (store: RunStore) (runs: PlannedRun list) (retryFailed: bool)
        (inWorkers: (int * (RunnableRun list -> Board option -> int)) option)
        (ct: Threading.CancellationToken) =
    // Queued Slurm tasks first: the more telling refusal where they also hold the lock.
    SlurmQueue.refuseLocalSweepBesideQueued store.Root
    use _lock =
        match SweepLock.Acquire store.Root with
        | Ok l -> l
        | Error msg -> raise (Locked msg)
    let todo = pending store retryFailed runs
    let skipped, skippedFailed, blocked = leftAsIs store runs todo Set.empty
    eprintfn "sweep: %d runs to do, %s, %d blocked (see `repro plan` for why)" todo.Length (recordedText skipped skippedFailed) blocked
    let sw = Stopwatch.StartNew()
    let mutable estimatedDone = 0.0
    let mutable failed = 0
    let totalEstimate = todo |> List.sumBy (fun r -> r.EstimatedSeconds)
    let loop (display: Display) =
        todo
        |> List.iteri (fun i r ->
            ct.ThrowIfCancellationRequested()
            // Scale the remaining estimate by how the finished runs compared with their estimates.
            let ratio = if estimatedDone > 0.0 then sw.Elapsed.TotalSeconds / estimatedDone else 1.0
            display.Start(i + 1, todo.Length, r, r.EstimatedSeconds * ratio, (totalEstimate - estimatedDone) * ratio)
            let progress = { new IProgress<TrainingProgress> with member _.Report p = display.Step p }
            let record = execute store r progress ct
            estimatedDone <- estimatedDone + r.EstimatedSeconds
            if record.Status = Failed then failed <- failed + 1
            display.Finish record)
    // A live display only where a person watches a terminal; logs, CI and tests get plain lines.
    let interactive =
        not Console.IsErrorRedirected && isNull (Environment.GetEnvironmentVariable "CI")
        && isNull (Environment.GetEnvironmentVariable "REPRO_PLAIN_PROGRESS")
    let live (workers: int) (work: Board -> unit) =
        let console = AnsiConsole.Create(AnsiConsoleSettings(Out = AnsiConsoleOutput(Console.Error)))
        let board = Board(todo.Length, totalEstimate, workers)
        show console board (fun () -> work board)
    match inWorkers with
    | _ when todo.IsEmpty -> ()
    | Some(workers, runAll) when interactive -> live workers (fun board -> failed <- runAll todo (Some board))
    | Some(_, runAll) -> failed <- runAll todo None
    | None when interactive -> live 1 (fun board -> loop (boardDisplay board))
    | None -> loop (lineDisplay ())
    { Ran = todo.Length - failed; Failed = failed; Skipped = skipped; SkippedFailed = skippedFailed; Blocked = blocked
      WallSeconds = sw.Elapsed.TotalSeconds }

/// Whether any planned run's record is a failure, made now or left from before: the sweep's work is not done (exit 1).
let anyFailed (s: Summary) = s.Failed > 0 || s.SkippedFailed > 0

