/// The committed per-cell schedule table: the miniature's Appendix H. The paper published each cell's chosen steps;
/// a profile does the same with the table `repro sweep --calibrate` writes after climbing every cell's ladder once
/// (one seed, best on the minival), so that a sweep trains each cell at its optimum without paying for the search.
module Repro.Harness.ScheduleTable

open System.IO
open Repro.Harness.Domain

/// One rung the calibration trained: its steps, its minival metric and the run that measured it.
type Rung =
    { Steps: int
      Minival: float
      Run: string }

/// Where the chosen rung sits on the ladder the calibration was allowed to climb.
type Bracket =
    /// Better than a shorter and a longer rung: the optimum is bracketed (converged, shown).
    | Bracketed
    /// The longest rung allowed (Ladder.MaxFactor) was still the best: not shown converged.
    | AtLongestAllowed
    /// The shortest rung allowed was still the best.
    | AtShortestAllowed
    /// The best rung ties with the next longer one: the metric is flat there, no optimum is shown (the shorter is
    /// taken, as the cheaper; the ladder is not extended downwards on a tie).
    | Flat

/// One cell's schedule and the minival evidence it was chosen on.
type Entry =
    { /// The cell's name (Cell.Name, the paper's backbone), e.g. "det efficientnet-b7 rand 100% S4".
      Cell: string
      Steps: int
      Bracket: Bracket
      /// The metric the rungs were compared by, e.g. "minival_AP".
      Metric: string
      Rungs: Rung list }

type ScheduleTable =
    { Profile: string
      /// The seed the ladders were climbed with (the profile's first: its runs are reused by the profile's sweep).
      Seed: int
      MinivalShare: float
      /// The command that re-creates the table (each rung's record has the code version that trained it).
      Command: string
      Entries: Entry list }

    member t.TryFind(cell: Cell) = t.Entries |> List.tryFind (fun e -> e.Cell = cell.Name)

/// The steps of `entry`'s rung that the calibration chose: the best minival, a tie going to the shorter schedule.
let bestRung (rungs: Rung list) =
    rungs |> List.sortBy (fun r -> r.Steps) |> List.maxBy (fun r -> r.Minival)

/// The error for a table file that is not what it must be, naming the file.
let invalid (path: string) (what: string) = raise (InvalidDataException(sprintf "%s: %s" path what))

/// Reads and checks a table for `profile` (whose first seed and minival share its runs must have, or they would not
/// be the calibration's runs): every error names the file and the entry.
let read (path: string) (profile: string) (seed: int) (minivalShare: float) : ScheduleTable =
    let t = CanonicalJson.readFile<ScheduleTable> path
    if isNull (box t) || isNull (box t.Entries) then invalid path "not a schedule table (no Entries)"
    if t.Profile <> profile then invalid path (sprintf "calibrated for profile %s, not %s (re-create it: repro sweep --calibrate --profile %s)" t.Profile profile profile)
    if t.Seed <> seed then invalid path (sprintf "calibrated with seed %d, but profile %s's first seed is %d (re-create it)" t.Seed profile seed)
    if t.MinivalShare <> minivalShare then
        invalid path (sprintf "calibrated with a minival share of %g, but profile %s holds out %g (re-create it)" t.MinivalShare profile minivalShare)
    match t.Entries |> List.countBy (fun e -> e.Cell) |> List.filter (fun (_, n) -> n > 1) with
    | (name, _) :: _ -> invalid path (sprintf "cell \"%s\" is listed twice" name)
    | [] -> ()
    for e in t.Entries do
        if e.Steps < 1 then invalid path (sprintf "cell \"%s\": Steps %d must be >= 1" e.Cell e.Steps)
        if e.Rungs.IsEmpty then invalid path (sprintf "cell \"%s\" has no rungs" e.Cell)
        if not (e.Rungs |> List.exists (fun r -> r.Steps = e.Steps)) then
            invalid path (sprintf "cell \"%s\": Steps %d is none of its rungs (%s)" e.Cell e.Steps (e.Rungs |> List.map (fun r -> string r.Steps) |> String.concat ", "))
        if (bestRung e.Rungs).Steps <> e.Steps then
            invalid path (sprintf "cell \"%s\": Steps %d is not its best rung on %s (%d is)" e.Cell e.Steps e.Metric (bestRung e.Rungs).Steps)
    t

/// The table of `profile` at `path`, if the file exists (a profile whose table is not calibrated yet climbs ladders).
let tryRead (path: string) (profile: string) (seed: int) (minivalShare: float) =
    if File.Exists path then Some(read path profile seed minivalShare) else None

/// Writes the table, atomically, as indented canonical JSON.
let write (path: string) (t: ScheduleTable) =
    match Path.GetDirectoryName(Path.GetFullPath path) with
    | null -> ()
    | dir -> Directory.CreateDirectory dir |> ignore
    Repro.Core.AtomicFile.WriteAllText(path, CanonicalJson.pretty t + "\n")

/// `older`'s entries for the cells `newer` does not settle, then `newer`'s: what a calibration settled stays in the
/// table when a later one (another results folder, an --only selection) settles fewer cells.
let merge (older: ScheduleTable option) (newer: ScheduleTable) =
    match older with
    | None -> newer
    | Some o ->
        let settled = newer.Entries |> List.map (fun e -> e.Cell) |> Set.ofList
        { newer with Entries = (o.Entries |> List.filter (fun e -> not (settled.Contains e.Cell))) @ newer.Entries }
