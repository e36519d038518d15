/// Golden snapshots of our reproduced tables (golden/<profile>/), and the tolerance-aware comparison that catches a
/// code change that moves results. Tolerances live beside the snapshot with the measurement that justifies them.
module Repro.Harness.Golden

open System
open System.IO
open System.Text
open Repro.Harness.Tables

type GoldenCell =
    { Table: string
      Row: string
      Column: string
      Metric: string
      Mean: float
      N: int }

type Tolerance =
    { Metric: string
      /// Largest |fresh − golden| of a cell mean that still passes.
      Absolute: float
      /// Why this bound: the measurement behind it (e.g. repeat-run spread on this machine kind).
      Justification: string }

type Snapshot =
    { Profile: string
      Cells: GoldenCell list }

let snapshotOf (profile: string) (tables: TableResult list) =
    { Profile = profile
      Cells =
        [ for t in tables do
            for c in t.Cells do
                match c.Ours with
                | Measured m -> { Table = t.Table.Id; Row = c.Row; Column = c.Column; Metric = t.MetricKey; Mean = Math.Round(m.Mean, 4); N = m.N }
                | _ -> () ] }

let snapshotPath (goldenRoot: string) (profile: string) = Path.Combine(goldenRoot, profile, "results.json")
let tolerancePath (goldenRoot: string) (profile: string) = Path.Combine(goldenRoot, profile, "tolerances.json")

type Verdict =
    | Same
    | Moved
    | Missing
    | New

type Comparison =
    { Cell: string
      Golden: float option
      Fresh: float option
      Tolerance: float option
      Verdict: Verdict }

/// Compares fresh results with the snapshot, cell by cell. A cell fails when it moved by more than its metric's
/// tolerance, or is in the snapshot but no longer measured. Cells measured now but absent from the snapshot are
/// reported as New (informational; `golden update` adds them).
let compare (tolerances: Tolerance list) (golden: Snapshot) (fresh: Snapshot) =
    let key (c: GoldenCell) = sprintf "%s/%s/%s" c.Table c.Row c.Column
    let freshByKey = fresh.Cells |> List.map (fun c -> key c, c) |> Map.ofList
    let goldenKeys = golden.Cells |> List.map key |> set
    let tolOf (metric: string) =
        match tolerances |> List.tryFind (fun t -> t.Metric = metric) with
        | Some t -> t.Absolute
        | None -> raise (InvalidDataException(sprintf "no tolerance for metric '%s' in the golden tolerances" metric))
    [ for g in golden.Cells do
        let tol = tolOf g.Metric
        match freshByKey.TryFind(key g) with
        | None -> { Cell = key g; Golden = Some g.Mean; Fresh = None; Tolerance = Some tol; Verdict = Missing }
        | Some f ->
            let verdict = if abs (f.Mean - g.Mean) <= tol + 1e-9 then Same else Moved
            { Cell = key g; Golden = Some g.Mean; Fresh = Some f.Mean; Tolerance = Some tol; Verdict = verdict }
      for f in fresh.Cells do
        if not (goldenKeys.Contains(key f)) then
            { Cell = key f; Golden = None; Fresh = Some f.Mean; Tolerance = None; Verdict = New } ]

let passed (comparisons: Comparison list) =
    comparisons |> List.forall (fun c -> c.Verdict = Same || c.Verdict = New)

/// A readable diff: every cell that is not Same, with golden, fresh, delta and tolerance.
let diffReport (comparisons: Comparison list) =
    let sb = StringBuilder()
    let num (v: float option) = match v with Some x -> sprintf "%.2f" x | None -> "-"
    let changed = comparisons |> List.filter (fun c -> c.Verdict <> Same)
    let same = comparisons.Length - changed.Length
    sb.AppendLine(sprintf "%d cells within tolerance, %d moved, %d missing, %d new" same
                      (changed |> List.filter (fun c -> c.Verdict = Moved) |> List.length)
                      (changed |> List.filter (fun c -> c.Verdict = Missing) |> List.length)
                      (changed |> List.filter (fun c -> c.Verdict = New) |> List.length)) |> ignore
    if not changed.IsEmpty then
        sb.AppendLine(sprintf "%-60s %8s %8s %8s %6s  %s" "cell" "golden" "fresh" "delta" "tol" "verdict") |> ignore
        for c in changed do
            let delta = match c.Golden, c.Fresh with Some g, Some f -> sprintf "%+.2f" (f - g) | _ -> "-"
            sb.AppendLine(sprintf "%-60s %8s %8s %8s %6s  %A" c.Cell (num c.Golden) (num c.Fresh) delta (num c.Tolerance) c.Verdict) |> ignore
    sb.ToString()

let readSnapshot (path: string) : Snapshot =
    if not (File.Exists path) then
        raise (FileNotFoundException(sprintf "no golden snapshot at %s: run `repro golden update` (or `dotnet fake build -t UpdateGolden`) to create it" path, path))
    CanonicalJson.readFile<Snapshot> path

let readTolerances (path: string) : Tolerance list =
    if not (File.Exists path) then raise (FileNotFoundException(sprintf "no golden tolerances at %s" path, path))
    CanonicalJson.readFile<Tolerance list> path

let writeSnapshot (path: string) (snapshot: Snapshot) =
    Repro.Core.AtomicFile.WriteAllText(path, CanonicalJson.pretty snapshot + "\n")
