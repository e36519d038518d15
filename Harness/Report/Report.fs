/// Writes what a person reads after a sweep: per-table Markdown and CSV, the claims report, and an index — all
/// pure functions of the run records and the paper tables.
module Repro.Harness.Report

open System.IO
open System.Text

/// Confidence level of every interval the reports print.
let level = 0.95

/// A self-training student beside its baselines: the supervised cell (same steps, human images only) and its teacher.
/// A teacher trained longer than the cell (the `full` profile) saw as many images as the student: the compute-matched
/// baseline. Otherwise (the paper's setup, `default`) the teacher is the supervised cell's own run.
type StudentComparison =
    { Cell: Domain.Cell
      Metric: string
      Supervised: Stats.Estimate option
      Baseline: Stats.Estimate option
      /// The teacher runs are the supervised cell's runs (no separate, longer teacher).
      TeacherIsSupervised: bool
      Student: Stats.Estimate option
      /// Student minus compute-matched baseline, with a Welch interval over seeds.
      Gain: Stats.Difference option
      BoxesPerImage: Stats.Estimate option
      /// Pseudo boxes against the unlabeled pool's withheld true boxes (the miniature's), IoU 0.5, in percent.
      Precision: Stats.Estimate option
      Recall: Stats.Estimate option }

/// A pre-trained backbone (an Init of the grid) as its pre-training run measured it.
type PretrainingSummary =
    { Label: string
      /// Top-1 (%) of the run's own classifier on the held-out split; None for SimCLR (no classifier).
      Top1: float option
      /// Linear-probe top-1 (%) of the frozen backbone, and of an untrained backbone of the same seed.
      Probe: float option
      RandomProbe: float option
      WallSeconds: float }

type Rendered =
    { Tables: Tables.TableResult list
      Claims: Claims.ClaimResult list
      Students: StudentComparison list
      Pretraining: PretrainingSummary list
      /// Ladder choices (empty where the profile trains each cell at one schedule).
      Schedules: ScheduleSelection.Choice list }

let private estimateOf (metric: string) (records: RunStore.RunRecord list) =
    match [ for r in records do if r.Status = RunStore.Succeeded && r.Metrics.ContainsKey metric then r.Metrics.[metric] ] with
    | [] -> None
    | vs -> Some(Stats.estimate vs)

/// Each self-training cell's student against its teacher (compute-matched) and the plain supervised cell. A student
/// requires its pseudo labels, which require their teacher: found by the plan's named edges.
let students (ladder: Profiles.ScheduleLadder) (store: RunStore.RunStore) (plan: RunKinds.PlannedRun list) =
    let runnable = RunKinds.runnable plan
    let byHash = runnable |> List.map (fun r -> r.Hash, r) |> Map.ofList
    let requiredAs (role: RunKinds.Role) (hash: string) = byHash.TryFind hash |> Option.bind (fun r -> r.Required role)
    let cells = plan |> List.collect (fun r -> r.Cells) |> List.distinct |> List.filter (fun c -> c.SelfTraining)
    [ for cell in cells do
        let metric = cell.Task.Metric
        let runs = runnable |> List.filter (fun r -> r.Serves cell)
        if not runs.IsEmpty then
            let read hashes = hashes |> List.choose store.TryRead
            // A ladder's rungs share their pseudo labels and teacher: each counts once.
            let pseudo = runs |> List.choose (fun r -> r.Required RunKinds.PseudoLabels) |> List.distinct
            let teachers = pseudo |> List.choose (requiredAs RunKinds.Teacher) |> List.distinct
            let supervisedCell = Plan.teacherCellOf cell
            let supervised = ScheduleSelection.recordsOf ladder store.TryRead supervisedCell plan
            let student = estimateOf metric (ScheduleSelection.recordsOf ladder store.TryRead cell plan)
            let baseline = estimateOf metric (read teachers)
            yield
                { Cell = cell; Metric = metric
                  Supervised = estimateOf metric supervised
                  Baseline = baseline; Student = student
                  TeacherIsSupervised = (not teachers.IsEmpty && Set.ofList teachers = Set.ofList (supervised |> List.map (fun r -> r.Hash)))
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
    sb.AppendLine("Supervised: the cell without self-training (same steps, human images only). Teacher: the run whose " +
                  "detections became the pseudo labels — either the supervised run itself (\"= supervised\", the paper's " +
                  "setup) or the same run trained longer, which saw as many images as the student (a student step takes " +
                  "a human and a pseudo batch) and so is the compute-matched baseline. The gain is student − teacher with " +
                  sprintf "a %.0f%% Welch interval over seeds." (level * 100.0)).AppendLine() |> ignore
    sb.AppendLine("| Cell | Supervised | Teacher | Student | Student − teacher | Pseudo boxes / image | Pseudo precision / recall |") |> ignore
    sb.AppendLine("|---|---|---|---|---|---|---|") |> ignore
    let measured, unmeasured = rows |> List.partition (fun r -> r.Supervised.IsSome || r.Baseline.IsSome || r.Student.IsSome)
    for r in measured do
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
        let teacher = if r.TeacherIsSupervised then "= supervised" elif r.Baseline.IsNone then "not run" else est r.Baseline + " (compute-matched)"
        sb.AppendLine(sprintf "| %s (%s) | %s | %s | %s | %s | %s | %s |" r.Cell.Name r.Metric (est r.Supervised) teacher (est r.Student) gain boxes quality) |> ignore
    if not unmeasured.IsEmpty then
        sb.AppendLine().AppendLine(sprintf "Not run yet (no student, teacher or supervised record): %s."
                                       (unmeasured |> List.map (fun r -> r.Cell.Name) |> String.concat "; ")) |> ignore
    sb.ToString()

/// The pre-training runs of the plan that have succeeded, in plan order.
let pretraining (store: RunStore.RunStore) (plan: RunKinds.PlannedRun list) =
    [ for r in RunKinds.runnable plan do
        match r.Kind, store.TryRead r.Hash with
        | RunKinds.PretrainingRun _, Some rec' when rec'.Status = RunStore.Succeeded ->
            let metric k = rec'.Metrics.TryFind k
            yield
                { Label = r.Label; Top1 = metric "top1"; Probe = metric "linear_probe_top1"
                  RandomProbe = metric Repro.Core.Experiments.PretrainingExperiment.RandomProbeMetric; WallSeconds = rec'.WallSeconds }
        | _ -> () ]

let pretrainingToMarkdown (rows: PretrainingSummary list) =
    let sb = StringBuilder()
    let pct = function Some v -> sprintf "%.1f" v | None -> "n/a"
    sb.AppendLine("### Pre-trained backbones").AppendLine() |> ignore
    sb.AppendLine("Top-1 (%) on the classification pool's held-out split: the run's own classifier, and a linear probe " +
                  "on the frozen backbone beside the same probe on an untrained backbone of the same seed.").AppendLine() |> ignore
    sb.AppendLine("| Pre-training | Classifier top-1 | Linear probe top-1 | Random backbone probe | Wall |") |> ignore
    sb.AppendLine("|---|---|---|---|---|") |> ignore
    for r in rows do
        sb.AppendLine(sprintf "| %s | %s | %s | %s | %.0f s |" r.Label (pct r.Top1) (pct r.Probe) (pct r.RandomProbe) r.WallSeconds) |> ignore
    sb.ToString()

/// Recomputes every table from the records of the planned runs (a cell's records are those of its runs).
let compute (paperTables: string) (ladder: Profiles.ScheduleLadder) (store: RunStore.RunStore) (plan: RunKinds.PlannedRun list) =
    let recordsOf (cell: Domain.Cell) = ScheduleSelection.recordsOf ladder store.TryRead cell plan
    let tables = PaperTables.loadAll paperTables |> List.map (Tables.compute level recordsOf)
    { Tables = tables
      Claims = Claims.evaluateAll level tables (PaperTables.loadClaims paperTables)
      Students = students ladder store plan
      Pretraining = pretraining store plan
      Schedules = ScheduleSelection.allChoices ladder store.TryRead plan }

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
    if not r.Pretraining.IsEmpty then report.AppendLine(pretrainingToMarkdown r.Pretraining) |> ignore
    if not r.Students.IsEmpty then report.AppendLine(studentsToMarkdown r.Students) |> ignore
    if not r.Schedules.IsEmpty then
        let md = ScheduleSelection.toMarkdown r.Schedules
        Repro.Core.AtomicFile.WriteAllText(Path.Combine(resultsRoot, "schedules.md"), md)
        report.AppendLine(md) |> ignore
    for png in Plots.writeAll (Path.Combine(resultsRoot, "plots")) r.Tables do
        report.AppendLine(sprintf "![%s](%s)" (Path.GetFileNameWithoutExtension png) (Path.GetRelativePath(resultsRoot, png))).AppendLine() |> ignore
    let claims = Claims.toMarkdown level r.Claims
    Repro.Core.AtomicFile.WriteAllText(Path.Combine(resultsRoot, "claims.md"), claims)
    report.AppendLine(claims) |> ignore
    let path = Path.Combine(resultsRoot, "report.md")
    Repro.Core.AtomicFile.WriteAllText(path, report.ToString())
    path
