/// Writes what a person reads after a sweep: per-table Markdown and CSV, the claims report, and an index — all
/// pure functions of the run records and the paper tables.
module Repro.Harness.Report

open System.IO
open System.Text

/// Confidence level of every interval the reports print.
let level = 0.95

/// A self-training student beside its baselines: the supervised cell (same steps, human images only) and its teacher,
/// which trained on as many images as the student saw (the compute-matched baseline).
type StudentComparison =
    { Cell: Domain.Cell
      Metric: string
      Supervised: Stats.Estimate option
      Baseline: Stats.Estimate option
      Student: Stats.Estimate option
      /// Student minus compute-matched baseline, with a Welch interval over seeds.
      Gain: Stats.Difference option
      BoxesPerImage: Stats.Estimate option
      /// Pseudo boxes against the unlabeled pool's withheld true boxes (the miniature's), IoU 0.5, in percent.
      Precision: Stats.Estimate option
      Recall: Stats.Estimate option }

type Rendered =
    { Tables: Tables.TableResult list
      Claims: Claims.ClaimResult list
      Students: StudentComparison list }

let private estimateOf (metric: string) (records: RunStore.RunRecord list) =
    match [ for r in records do if r.Status = RunStore.Succeeded && r.Metrics.ContainsKey metric then r.Metrics.[metric] ] with
    | [] -> None
    | vs -> Some(Stats.estimate vs)

/// Each self-training cell's student against its teacher (compute-matched) and the plain supervised cell. A student
/// requires its pseudo labels first, which require the teacher first (Plan builds them so).
let students (store: RunStore.RunStore) (plan: Plan.PlannedRun list) =
    let byHash = plan |> List.map (fun r -> r.Hash, r) |> Map.ofList
    let firstRequirement (hash: string) =
        byHash.TryFind hash |> Option.bind (fun r -> List.tryHead r.Requires)
    let cells = plan |> List.choose (fun r -> r.Cell) |> List.distinct |> List.filter (fun c -> c.SelfTraining)
    [ for cell in cells do
        let metric = if cell.Task = Domain.Segmentation then "mIoU" else "AP"
        let runs = plan |> List.filter (fun r -> r.Cell = Some cell && r.Blocked.IsNone)
        if not runs.IsEmpty then
            let read hashes = hashes |> List.choose store.TryRead
            let pseudo = runs |> List.choose (fun r -> firstRequirement r.Hash)
            let teachers = pseudo |> List.choose firstRequirement
            let supervisedCell = Plan.teacherCellOf cell
            let supervised = plan |> List.filter (fun r -> r.Cell = Some supervisedCell) |> List.map (fun r -> r.Hash)
            let student = estimateOf metric (read (runs |> List.map (fun r -> r.Hash)))
            let baseline = estimateOf metric (read teachers)
            yield
                { Cell = cell; Metric = metric
                  Supervised = estimateOf metric (read supervised)
                  Baseline = baseline; Student = student
                  Gain = (match student, baseline with Some s, Some b -> Some(Stats.difference level s b) | _ -> None)
                  BoxesPerImage = estimateOf "boxes_per_image" (read pseudo)
                  Precision = estimateOf "precision" (read pseudo)
                  Recall = estimateOf "recall" (read pseudo) } ]

let studentsToMarkdown (rows: StudentComparison list) =
    let sb = StringBuilder()
    let est (e: Stats.Estimate option) =
        match e with
        | Some e when e.N >= 2 -> sprintf "%.1f ± %.1f (n=%d)" e.Mean e.Std e.N
        | Some e -> sprintf "%.1f (n=%d)" e.Mean e.N
        | None -> "not run"
    sb.AppendLine("### Self-training students vs their baselines").AppendLine() |> ignore
    sb.AppendLine("Supervised: the cell without self-training (same steps, human images only). Teacher: the same " +
                  "supervised run trained twice as long — it saw as many images as the student (a student step takes a " +
                  "human and a pseudo batch), so it is the compute-matched baseline; the gain is student − teacher with a " +
                  sprintf "%.0f%% Welch interval over seeds." (level * 100.0)).AppendLine() |> ignore
    sb.AppendLine("| Cell | Supervised | Teacher (compute-matched) | Student | Student − teacher | Pseudo boxes / image | Pseudo precision / recall |") |> ignore
    sb.AppendLine("|---|---|---|---|---|---|---|") |> ignore
    for r in rows do
        let gain =
            match r.Gain with
            | Some d ->
                match d.Interval with
                | Some(lo, hi) -> sprintf "%+.1f [%+.1f, %+.1f]" d.Delta lo hi
                | None -> sprintf "%+.1f" d.Delta
            | None -> "n/a"
        let boxes = match r.BoxesPerImage with Some e -> sprintf "%.2f" e.Mean | None -> "n/a"
        let quality =
            match r.Precision, r.Recall with
            | Some p, Some q -> sprintf "%.0f%% / %.0f%%" p.Mean q.Mean
            | _ -> "n/a"
        sb.AppendLine(sprintf "| %s (%s) | %s | %s | %s | %s | %s | %s |" r.Cell.Name r.Metric (est r.Supervised) (est r.Baseline) (est r.Student) gain boxes quality) |> ignore
    sb.ToString()

/// Recomputes every table from the records of the planned runs (a cell's records are those of its runs).
let compute (paperTables: string) (store: RunStore.RunStore) (plan: Plan.PlannedRun list) =
    let recordsOf (cell: Domain.Cell) =
        plan |> List.filter (fun r -> r.Cell = Some cell && r.Blocked.IsNone) |> List.choose (fun r -> store.TryRead r.Hash)
    let tables = PaperTables.loadAll paperTables |> List.map (Tables.compute level recordsOf)
    { Tables = tables
      Claims = Claims.evaluateAll level tables (PaperTables.loadClaims paperTables)
      Students = students store plan }

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
    if not r.Students.IsEmpty then report.AppendLine(studentsToMarkdown r.Students) |> ignore
    for png in Plots.writeAll (Path.Combine(resultsRoot, "plots")) r.Tables do
        report.AppendLine(sprintf "![%s](%s)" (Path.GetFileNameWithoutExtension png) (Path.GetRelativePath(resultsRoot, png))).AppendLine() |> ignore
    let claims = Claims.toMarkdown level r.Claims
    Repro.Core.AtomicFile.WriteAllText(Path.Combine(resultsRoot, "claims.md"), claims)
    report.AppendLine(claims) |> ignore
    let path = Path.Combine(resultsRoot, "report.md")
    Repro.Core.AtomicFile.WriteAllText(path, report.ToString())
    path
