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
    /// A longer rung ties with the chosen one within the ladder's tolerance: the metric is flat there, so the
    /// longer schedule gains nothing a reseed would not (converged; the ladder is not extended downwards then).
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
      /// The ladder's tolerance the rungs were chosen with (Ladder.Tolerance).
      Tolerance: float
      /// The command that re-creates the table (each rung's record has the code version that trained it).
      Command: string
      Entries: Entry list }

    member t.TryFind(cell: Cell) = t.Entries |> List.tryFind (fun e -> e.Cell = cell.Name)

/// The error for a table file that is not what it must be, naming the file.
let invalid (path: string) (what: string) = raise (InvalidDataException(sprintf "%s: %s" path what))

/// Reads and checks a table for `profile` (whose first seed and minival share its runs must have, or they would not
/// be the calibration's runs, and whose ladder's rule must have chosen its steps): every error names the file and
/// the entry.
let read (path: string) (profile: string) (seed: int) (ladder: Profiles.ScheduleLadder) : ScheduleTable =
    let t = CanonicalJson.readFile<ScheduleTable> path
    if isNull (box t) || isNull (box t.Entries) then invalid path "not a schedule table (no Entries)"
    if t.Profile <> profile then invalid path (sprintf "calibrated for profile %s, not %s (re-create it: repro sweep --calibrate --profile %s)" t.Profile profile profile)
    if t.Seed <> seed then invalid path (sprintf "calibrated with seed %d, but profile %s's first seed is %d (re-create it)" t.Seed profile seed)
    if t.MinivalShare <> ladder.MinivalShare then
        invalid path (sprintf "calibrated with a minival share of %g, but profile %s holds out %g (re-create it)" t.MinivalShare profile ladder.MinivalShare)
    if t.Tolerance <> ladder.Tolerance then
        invalid path (sprintf "calibrated with a tolerance of %g, but profile %s's ladder has %g (re-create it)" t.Tolerance profile ladder.Tolerance)
    match t.Entries |> List.countBy (fun e -> e.Cell) |> List.filter (fun (_, n) -> n > 1) with
    | (name, _) :: _ -> invalid path (sprintf "cell \"%s\" is listed twice" name)
    | [] -> ()
    for e in t.Entries do
        if e.Steps < 1 then invalid path (sprintf "cell \"%s\": Steps %d must be >= 1" e.Cell e.Steps)
        if e.Rungs.IsEmpty then invalid path (sprintf "cell \"%s\" has no rungs" e.Cell)
        if not (e.Rungs |> List.exists (fun r -> r.Steps = e.Steps)) then
            invalid path (sprintf "cell \"%s\": Steps %d is none of its rungs (%s)" e.Cell e.Steps (e.Rungs |> List.map (fun r -> string r.Steps) |> String.concat ", "))
        let chosen = ladder.Choose((fun (r: Rung) -> int64 r.Steps), (fun (r: Rung) -> r.Minival)) e.Rungs
        if chosen.Steps <> e.Steps then
            invalid path (sprintf "cell \"%s\": Steps %d is not the rung its ladder chooses on %s (%d is)" e.Cell e.Steps e.Metric chosen.Steps)
    t

/// The table of `profile` at `path`, if the file exists (a profile whose table is not calibrated yet climbs ladders).
let tryRead (path: string) (profile: string) (seed: int) (ladder: Profiles.ScheduleLadder) =
    if File.Exists path then Some(read path profile seed ladder) else None

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
