/// Writes what a person reads after a sweep: per-table Markdown and CSV, the claims report, and an index — all
/// pure functions of the run records and the paper tables.
module Repro.Harness.Report

open System.IO
open System.Text

/// Confidence level of every interval the reports print.
let level = 0.95

type Rendered =
    { Tables: Tables.TableResult list
      Claims: Claims.ClaimResult list }

/// Recomputes every table from the records of the planned runs (a cell's records are those of its runs).
let compute (paperTables: string) (store: RunStore.RunStore) (plan: Runner.PlannedRun list) =
    let recordsOf (cell: Domain.Cell) =
        plan |> List.filter (fun r -> r.Cell = cell && r.Blocked.IsNone) |> List.choose (fun r -> store.TryRead r.Hash)
    let tables = PaperTables.loadAll paperTables |> List.map (Tables.compute level recordsOf)
    { Tables = tables; Claims = Claims.evaluateAll level tables (PaperTables.loadClaims paperTables) }

/// Writes tables/<id>.md|csv, claims.md and report.md under the results folder; returns report.md's path.
let write (profile: string) (resultsRoot: string) (r: Rendered) =
    let tablesDir = Path.Combine(resultsRoot, "tables")
    let report = StringBuilder()
    report.AppendLine(sprintf "# Repro results: profile `%s`" profile).AppendLine() |> ignore
    for t in r.Tables do
        let md = Tables.toMarkdown profile t
        Repro.Core.AtomicFile.WriteAllText(Path.Combine(tablesDir, t.Table.Id + ".md"), md)
        Repro.Core.AtomicFile.WriteAllText(Path.Combine(tablesDir, t.Table.Id + ".csv"), Tables.toCsv t)
        report.AppendLine(md) |> ignore
    let claims = Claims.toMarkdown level r.Claims
    Repro.Core.AtomicFile.WriteAllText(Path.Combine(resultsRoot, "claims.md"), claims)
    report.AppendLine(claims) |> ignore
    let path = Path.Combine(resultsRoot, "report.md")
    Repro.Core.AtomicFile.WriteAllText(path, report.ToString())
    path
