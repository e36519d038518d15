/// Our numbers beside the paper's: each paper table recomputed from run records (mean ± std over seeds, deltas
/// against the row the paper compares with), rendered as Markdown and CSV. Pure functions of the records.
module Repro.Harness.Tables

open System
open System.Text
open Repro.Harness.Domain
open Repro.Harness.PaperTables
open Repro.Harness.RunStore
open Repro.Harness.Stats

/// What the records say about one table cell.
type Measured =
    | Measured of Estimate
    /// Runs exist but all failed; the first error is kept.
    | AllFailed of string
    | NotRun

type CellResult =
    { Row: string
      Column: string
      Cell: Cell
      Ours: Measured
      /// Our mean minus the `deltaFrom` row's mean, with a Welch interval when both have ≥ 2 seeds.
      OursDelta: Difference option
      Paper: PublishedCell option }

type TableResult =
    { Table: PaperTable
      /// The record metric the table shows ("AP" for detection, "mIoU" for segmentation).
      MetricKey: string
      Cells: CellResult list }

    member t.Get(row: string, column: string) =
        t.Cells |> List.find (fun c -> c.Row = row && c.Column = column)

let metricKeyOf (table: PaperTable) = table.Task.Metric

let private measure (metric: string) (records: RunRecord list) =
    let ok = records |> List.filter (fun r -> r.Status = Succeeded && r.Metrics.ContainsKey metric)
    if not ok.IsEmpty then Measured(estimate [ for r in ok -> r.Metrics.[metric] ])
    else
        match records |> List.tryFind (fun r -> r.Status = Failed) with
        | Some f -> AllFailed(defaultArg f.Error "failed")
        | None -> NotRun

/// Recomputes one table from the records of its cells. `recordsOf` finds a cell's records (over seeds); the
/// harness derives it from the plan, since two cells a profile maps to the same config share their runs.
let compute (level: float) (recordsOf: Cell -> RunRecord list) (table: PaperTable) : TableResult =
    let metric = metricKeyOf table
    let measured (row: Axis) (column: Axis) =
        let cell = Grid.cellOf table row column
        cell, measure metric (recordsOf cell)
    let cells =
        [ for row in table.Rows do
            for column in table.Columns do
                let cell, ours = measured row column
                let delta =
                    match row.DeltaFrom, ours with
                    | Some baseId, Measured mine ->
                        let baseRow = table.Rows |> List.find (fun r -> r.Id = baseId)
                        match snd (measured baseRow column) with
                        | Measured theirs -> Some(difference level mine theirs)
                        | _ -> None
                    | _ -> None
                { Row = row.Id; Column = column.Id; Cell = cell; Ours = ours; OursDelta = delta
                  Paper = table.Cell(row.Id, column.Id) } ]
    { Table = table; MetricKey = metric; Cells = cells }

/// "(+1.3) 45.6 ± 0.4 (n=3)", in the paper's style with the seed spread appended.
let formatOurs (c: CellResult) =
    match c.Ours with
    | NotRun -> "not run"
    | AllFailed e -> sprintf "failed: %s" (if e.Length > 40 then e.Substring(0, 40) + "…" else e)
    | Measured m ->
        let delta =
            match c.OursDelta with
            | Some d -> sprintf "(%s%.1f) " (if d.Delta >= 0.0 then "+" else "-") (abs d.Delta)
            | None -> ""
        let spread = if m.N > 1 then sprintf " ± %.1f" m.Std else ""
        sprintf "%s%.1f%s (n=%d)" delta m.Mean spread m.N

let toMarkdown (profile: string) (t: TableResult) =
    let sb = StringBuilder()
    let line (s: string) = sb.AppendLine s |> ignore
    line (sprintf "### %s" t.Table.Title)
    line ""
    line (sprintf "Metric: %s. Each cell: ours (profile `%s`, mean ± std over seeds, n = seeds) / paper. Deltas in parentheses are against the row the paper compares with. † = paper value not checked against the paper; n/a = the paper gives no number." t.MetricKey profile)
    line ""
    line ("| Setup | " + String.Join(" | ", t.Table.Columns |> List.map (fun c -> c.Label)) + " |")
    line ("|---|" + String.Join("", t.Table.Columns |> List.map (fun _ -> "---|")))
    for row in t.Table.Rows do
        let cells =
            t.Table.Columns
            |> List.map (fun col ->
                let c = t.Get(row.Id, col.Id)
                let paper = c.Paper |> Option.map formatPaperCell |> Option.defaultValue "n/a"
                sprintf "%s / %s" (formatOurs c) paper)
        line (sprintf "| %s | %s |" row.Label (String.Join(" | ", cells)))
    match t.Table.Note with
    | Some n -> line ""; line (sprintf "Paper: %s" n)
    | None -> ()
    if not t.Table.Summaries.IsEmpty then
        line ""
        for sm in t.Table.Summaries do
            let value = sm.Value |> Option.map (sprintf "%.1f")
            let delta = sm.Delta |> Option.map (fun d -> sprintf "%+.1f" d)
            let number = [ value; delta ] |> List.choose id |> String.concat " "
            line (sprintf "- Paper (%s): %s: %s%s" sm.Provenance.Id sm.Label number (if sm.Provenance = Unverified then "†" else ""))
    sb.ToString()

let private csvField (s: string) = if s.Contains ',' || s.Contains '"' then "\"" + s.Replace("\"", "\"\"") + "\"" else s

/// One line per cell: ids, our mean/std/n/delta/interval, the paper's value/delta and their provenance.
let toCsv (t: TableResult) =
    let sb = StringBuilder()
    sb.AppendLine "table,row,column,metric,ours_mean,ours_std,ours_n,ours_delta,delta_ci_low,delta_ci_high,status,paper_value,paper_provenance,paper_delta,paper_delta_provenance" |> ignore
    let num (v: float option) = match v with Some x -> x.ToString("0.###", Globalization.CultureInfo.InvariantCulture) | None -> ""
    for c in t.Cells do
        let mean, std, n, status =
            match c.Ours with
            | Measured m -> Some m.Mean, Some m.Std, string m.N, "measured"
            | AllFailed _ -> None, None, "0", "failed"
            | NotRun -> None, None, "0", "not run"
        let d = c.OursDelta
        let ci f = d |> Option.bind (fun x -> x.Interval) |> Option.map f
        let prov (p: Provenance option) = p |> Option.map (fun p -> p.Id) |> Option.defaultValue ""
        let fields =
            [ t.Table.Id; c.Row; c.Column; t.MetricKey; num mean; num std; n; num (d |> Option.map (fun x -> x.Delta))
              num (ci fst); num (ci snd); status
              num (c.Paper |> Option.bind (fun p -> p.Value)); prov (c.Paper |> Option.map (fun p -> p.Provenance))
              num (c.Paper |> Option.bind (fun p -> p.Delta)); prov (c.Paper |> Option.bind (fun p -> p.DeltaProvenance)) ]
        sb.AppendLine(String.Join(",", fields |> List.map csvField)) |> ignore
    sb.ToString()
