/// Calibration of a profile's schedule table (`repro sweep --calibrate`): the paper's rule that every cell trains at
/// its own optimal schedule (Appendix H), applied once. Each cell climbs its ladder with the profile's first seed; where
/// the rung the ladder chooses on the minival (the shortest within its tolerance of the best) is its longest (or
/// shortest), the ladder is extended by a doubling (or halving)
/// and that rung trained too, until the best is bracketed or the ladder reaches Ladder.MaxFactor. A student's ladder
/// starts once its teacher's schedule is settled, since the teacher is that cell's chosen run. The plan is a pure
/// function of the records, so a resumed calibration, or a worker re-planning it, finds the same runs.
module Repro.Harness.ScheduleCalibration

open System
open Repro.Harness.Domain
open Repro.Harness.Profiles
open Repro.Harness.DataSources
open Repro.Harness.RunKinds
open Repro.Harness.RunStore
open Repro.Harness.ScheduleTable

/// The cells a calibration settles: the cells whose schedules the scope's cells take (ablations and joint rows take
/// their base cell's), with each student's teacher cell; teachers and other supervised cells first.
let cellsToCalibrate (cells: Cell list) =
    let keyed = cells |> List.map Plan.scheduleCellOf |> List.distinct
    let students, supervised = keyed |> List.partition (fun c -> c.SelfTraining)
    List.distinct (supervised @ (students |> List.map Plan.teacherCellOf) @ students)

/// Where a calibration stands: the runs it has planned so far, the cells settled, and why the others are not.
type Calibration =
    { Runs: PlannedRun list
      Entries: Entry list
      /// Cells not settled yet, with the reason (rungs to run, a failed rung, a teacher not settled).
      Pending: (Cell * string) list
      /// The rungs measured so far of every cell whose ladder has started, settled or not.
      Measured: (Cell * Rung list) list }

/// The calibration of `cells` under `profile`, as far as the records `read` returns take it.
let calibrate (profile: Profile) (data: ResolvedData) (runsRoot: string) (paperSchedules: Map<Cell, PaperTables.PaperSchedule>)
              (cells: Cell list) (read: string -> RunRecord option) =
    if not profile.Ladder.Selects then
        invalidArg "profile" (sprintf "profile %s has a single-rung ladder: there is nothing to calibrate (Ladder.Factors)" profile.Name)
    let seed = List.head profile.Seeds
    let p = { profile with Seeds = [ seed ] }
    let baseSchedule (cell: Cell) = Plan.scheduleOf p paperSchedules None cell
    let bounds (cell: Cell) =
        let b = float (baseSchedule cell).Steps
        max 1 (int (Math.Round(b / profile.Ladder.MaxFactor))), int (Math.Round(b * profile.Ladder.MaxFactor))
    let toCalibrate = cellsToCalibrate cells
    let mutable rungs: Map<Cell, int list> = Map.empty
    let mutable settled: Map<Cell, int * Bracket> = Map.empty
    let start (cell: Cell) = rungs <- rungs.Add(cell, (baseSchedule cell).Rungs)
    for c in toCalibrate do if not c.SelfTraining then start c
    let active () = toCalibrate |> List.filter rungs.ContainsKey
    let schedule (cell: Cell) : Plan.CellSchedule =
        let c = Plan.scheduleCellOf cell
        let steps = match settled.TryFind c with Some(s, _) -> s | None -> (baseSchedule c).Steps
        { baseSchedule c with Steps = steps; Rungs = rungs.[c]; Source = "calibration" }
    let planNow () = Plan.plan p data runsRoot schedule (active ())
    let mutable runs = planNow ()
    let mutable changed = true
    while changed do
        changed <- false
        for cell in active () do
            if not (settled.ContainsKey cell) then
                let choice = ScheduleSelection.choiceFor profile.Ladder read cell seed runs
                match choice.Chosen with
                | None -> ()
                | Some best ->
                    let steps = int best.Steps
                    let ladder = rungs.[cell]
                    let shortest, longest = bounds cell
                    // A longer rung no better than the chosen one, within the tolerance, shows the metric flat
                    // there: converged, and no sign that a shorter schedule would be better.
                    let tiesLonger =
                        choice.Rungs |> List.exists (fun r -> r.Steps > best.Steps && profile.Ladder.Ties(best.Selection.Value, r.Selection.Value))
                    let extend (next: int) =
                        rungs <- rungs.Add(cell, List.sort (next :: ladder))
                        changed <- true
                    if steps = List.max ladder && steps < longest then extend (min longest (2 * steps))
                    elif steps = List.min ladder && steps > shortest && not tiesLonger then extend (max shortest (steps / 2))
                    else
                        let bracket =
                            if tiesLonger then Flat
                            elif steps = List.max ladder then AtLongestAllowed
                            elif steps = List.min ladder then AtShortestAllowed
                            else Bracketed
                        settled <- settled.Add(cell, (steps, bracket))
                        changed <- true
        for student in toCalibrate |> List.filter (fun c -> c.SelfTraining && not (rungs.ContainsKey c)) do
            if settled.ContainsKey(Plan.teacherCellOf student) then
                start student
                changed <- true
        if changed then runs <- planNow ()
    // Each started cell's rungs with a minival number, from one look at the records.
    let measured =
        [ for cell in active () ->
            let choice = ScheduleSelection.choiceFor profile.Ladder read cell seed runs
            cell, choice, [ for r in choice.Rungs do
                              match r.Selection with
                              | Some m -> { Steps = int r.Steps; Minival = m; Run = r.Hash }
                              | None -> () ] ]
    let entries =
        [ for cell, _, measuredRungs in measured do
            match settled.TryFind cell with
            | Some(steps, bracket) ->
                { Cell = cell.Name; Steps = steps; Bracket = bracket; Metric = ScheduleSelection.selectionMetricOf cell; Rungs = measuredRungs }
            | None -> () ]
    let pending =
        [ for cell in toCalibrate do
            if not (settled.ContainsKey cell) then
                match measured |> List.tryFind (fun (m, _, _) -> m = cell) with
                | Some(_, choice, _) -> cell, defaultArg choice.Pending "not settled"
                | None -> cell, sprintf "waits for its teacher's schedule (%s)" (Plan.teacherCellOf cell).Name ]
    { Runs = runs; Entries = entries; Pending = pending; Measured = measured |> List.map (fun (cell, _, rs) -> cell, rs) }

/// Refuses entries that name no cell a calibration settles (a renamed or removed cell, or an ablation row, which
/// takes its base cell's entry, would otherwise be silently ignored) and student entries without their teacher's.
let checkCells (path: string) (cells: Cell list) (t: ScheduleTable) =
    let invalid = ScheduleTable.invalid path
    let names = cellsToCalibrate cells |> List.map (fun c -> c.Name, c) |> Map.ofList
    let listed = t.Entries |> List.map (fun e -> e.Cell) |> Set.ofList
    for e in t.Entries do
        match names.TryFind e.Cell with
        | None -> invalid (sprintf "cell \"%s\" is no cell a calibration settles (ablation and joint-training rows take their base cell's entry)" e.Cell)
        | Some cell when cell.SelfTraining && not (listed.Contains (Plan.teacherCellOf cell).Name) ->
            invalid (sprintf "cell \"%s\" is listed without its teacher's cell \"%s\"" e.Cell (Plan.teacherCellOf cell).Name)
        | Some _ -> ()

/// The table the calibration's settled cells make.
let tableOf (profile: Profile) (c: Calibration) : ScheduleTable =
    { Profile = profile.Name; Seed = List.head profile.Seeds; MinivalShare = profile.Ladder.MinivalShare
      Tolerance = profile.Ladder.Tolerance
      Command = sprintf "repro sweep --calibrate --profile %s" profile.Name; Entries = c.Entries }

/// The calibration as Markdown: each settled cell's rungs (steps → minival) and the steps chosen, then the cells
/// still pending and why.
let toMarkdown (c: Calibration) =
    let sb = Text.StringBuilder()
    let listed (rungs: Rung list) = rungs |> List.map (fun r -> sprintf "%d → %.2f" r.Steps r.Minival) |> String.concat "; "
    sb.AppendLine("| Cell | Rungs: steps → minival | Chosen | Bracketed |").AppendLine("|---|---|---|---|") |> ignore
    for e in c.Entries do
        let bracket =
            match e.Bracket with
            | Bracketed -> "yes"
            | AtLongestAllowed -> "no: best at the longest allowed"
            | AtShortestAllowed -> "no: best at the shortest allowed"
            | Flat -> "flat: a longer rung is within the tolerance (converged)"
        sb.AppendLine(sprintf "| %s | %s | %d | %s |" e.Cell (listed e.Rungs) e.Steps bracket) |> ignore
    for cell, why in c.Pending do
        let measured =
            match c.Measured |> List.tryFind (fun (m, _) -> m = cell) with
            | Some(_, rungs) when not rungs.IsEmpty -> listed rungs + "; "
            | _ -> ""
        sb.AppendLine(sprintf "| %s | %s%s | – | – |" cell.Name measured why) |> ignore
    sb.ToString()
