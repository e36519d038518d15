/// The paper's rule that each cell trains at its own best schedule, applied to records: where a profile's ladder
/// gave a cell several runs per seed (one per rung, all trained on train less the minival), the cell's record for
/// that seed is the ladder's choice on the minival AP (mIoU for segmentation): the shortest rung within its tolerance
/// of the best. The val split the tables report plays no part in the choice.
module Repro.Harness.ScheduleSelection

open System.Text
open Repro.Harness.Domain
open Repro.Harness.Profiles
open Repro.Harness.DataSources
open Repro.Harness.RunKinds
open Repro.Harness.Plan
open Repro.Harness.RunStore

/// A record's name for a metric measured on the minival ("AP" → "minival_AP").
let minivalMetric (metric: string) = "minival_" + metric

let private valMetricOf (cell: Cell) = cell.Task.Metric

/// What a rung of `cell` is judged by: its table's metric on the minival.
let selectionMetricOf (cell: Cell) = minivalMetric (valMetricOf cell)

/// One rung of a cell's ladder for one seed, as recorded.
type Rung =
    { Steps: int64
      Hash: string
      /// The minival AP, once the rung has succeeded.
      Selection: float option
      Record: RunRecord option }

/// The outcome of a ladder for one (cell, seed).
type Choice =
    { Cell: Cell
      Seed: int
      Rungs: Rung list
      /// The rung whose record stands for the cell; None until every rung has succeeded.
      Chosen: Rung option
      /// Why nothing is chosen yet, when nothing is.
      Pending: string option }

/// Picks among a (cell, seed)'s rungs by the ladder's rule: the shortest schedule within the ladder's tolerance of
/// the best minival AP (the cheaper optimum; with no tolerance, the best, a tie going to the shorter). Every rung must
/// have succeeded: a choice among the survivors would favour whichever rungs happened to run.
let choose (ladder: ScheduleLadder) (cell: Cell) (seed: int) (rungs: Rung list) =
    let rungs = rungs |> List.sortBy (fun r -> r.Steps)
    let missing = rungs |> List.filter (fun r -> r.Record.IsNone)
    let failed = rungs |> List.filter (fun r -> r.Record.IsSome && r.Record.Value.Status = Failed)
    let unscored = rungs |> List.filter (fun r -> r.Record.IsSome && r.Record.Value.Status = Succeeded && r.Selection.IsNone)
    let pending =
        if rungs.IsEmpty then Some "no runnable rung (the cell is blocked: `repro plan` says why)"
        elif not failed.IsEmpty then Some(sprintf "the %d-step rung failed" failed.Head.Steps)
        elif not missing.IsEmpty then Some(sprintf "%d of %d rungs not run yet" missing.Length rungs.Length)
        elif not unscored.IsEmpty then Some(sprintf "the %d-step rung's record has no %s (run without a minival)" unscored.Head.Steps (selectionMetricOf cell))
        else None
    let chosen =
        match pending with
        | Some _ -> None
        | None -> Some(ladder.Choose((fun r -> r.Steps), (fun r -> r.Selection.Value)) rungs)
    { Cell = cell; Seed = seed; Rungs = rungs; Chosen = chosen; Pending = pending }

let private rungOf (read: string -> RunRecord option) (cell: Cell) (run: RunnableRun) =
    let record = read run.Hash
    { Steps = run.Kind.Steps
      Hash = run.Hash
      Selection = record |> Option.filter (fun r -> r.Status = Succeeded) |> Option.bind (fun r -> r.Metrics.TryFind(selectionMetricOf cell))
      Record = record }

/// `cell`'s runnable runs, by seed.
let private runsBySeed (cell: Cell) (runs: PlannedRun list) =
    runnable runs |> List.filter (fun r -> r.Serves cell) |> List.groupBy (fun r -> r.Seed)

/// The choice among `cell`'s runs for `seed` (however many rungs it has).
let choiceFor (ladder: ScheduleLadder) (read: string -> RunRecord option) (cell: Cell) (seed: int) (runs: PlannedRun list) =
    let seedRuns = runnable runs |> List.filter (fun r -> r.Serves cell && r.Seed = seed)
    choose ladder cell seed (seedRuns |> List.map (rungOf read cell))

/// The ladder choices of `cell` over its planned runs (only seeds with several rungs make a choice).
let choicesOf (ladder: ScheduleLadder) (read: string -> RunRecord option) (cell: Cell) (runs: PlannedRun list) =
    runsBySeed cell runs
    |> List.filter (fun (_, seedRuns) -> seedRuns.Length > 1)
    |> List.map (fun (seed, seedRuns) -> choose ladder cell seed (seedRuns |> List.map (rungOf read cell)))

/// The records that stand for `cell`, one per seed at most: the run's own where a seed has one run, the chosen
/// rung's where a ladder gave it several, or a failed rung's (so the table says why) where one failed.
let recordsOf (ladder: ScheduleLadder) (read: string -> RunRecord option) (cell: Cell) (runs: PlannedRun list) =
    runsBySeed cell runs
    |> List.collect (fun (seed, seedRuns) ->
        match seedRuns with
        | [ one ] -> read one.Hash |> Option.toList
        | several ->
            let c = choose ladder cell seed (several |> List.map (rungOf read cell))
            match c.Chosen with
            | Some rung -> Option.toList rung.Record
            | None -> c.Rungs |> List.choose (fun r -> r.Record) |> List.filter (fun r -> r.Status = Failed) |> List.truncate 1)

/// Every ladder choice of the plan's cells, in plan order.
let allChoices (ladder: ScheduleLadder) (read: string -> RunRecord option) (runs: PlannedRun list) =
    let cells = runs |> List.collect (fun r -> r.Cells) |> List.distinct
    cells |> List.collect (fun cell -> choicesOf ladder read cell runs)

/// The choices as Markdown: each rung's minival AP (and val AP, for the reader: it took no part), the rung chosen.
let toMarkdown (choices: Choice list) =
    let sb = StringBuilder()
    sb.AppendLine("### Schedules chosen on the minival").AppendLine() |> ignore
    sb.AppendLine("Each cell trains once per rung of the profile's ladder; the shortest rung within the ladder's tolerance of the best minival AP (mIoU for segmentation; the minival is held out of train) stands for the cell. The val number is shown, never used.").AppendLine() |> ignore
    sb.AppendLine("| Cell | Seed | Rungs: steps → minival (val) | Chosen |") |> ignore
    sb.AppendLine("|---|---|---|---|") |> ignore
    let metric (r: Rung) (key: string) =
        r.Record |> Option.filter (fun x -> x.Status = Succeeded) |> Option.bind (fun x -> x.Metrics.TryFind key)
    for c in choices do
        let rungs =
            c.Rungs
            |> List.map (fun r ->
                match metric r (selectionMetricOf c.Cell), metric r (valMetricOf c.Cell) with
                | Some m, Some v -> sprintf "%d → %.2f (%.2f)" r.Steps m v
                | _ -> sprintf "%d → %s" r.Steps (match r.Record with Some x when x.Status = Failed -> "failed" | _ -> "not run"))
            |> String.concat "; "
        let chosen = match c.Chosen with Some r -> sprintf "%d steps" r.Steps | None -> sprintf "none (%s)" c.Pending.Value
        sb.AppendLine(sprintf "| %s | %d | %s | %s |" c.Cell.Name c.Seed rungs chosen) |> ignore
    sb.ToString()
