module Repro.Harness.Tests.ReportTests

open Xunit
open Repro.Harness
open Repro.Harness.Report

let private cells () =
    Grid.cells (PaperTables.loadAll TestPaths.paperTables) |> List.filter (fun c -> c.SelfTraining)

[<Fact>]
let ``the students table shows measured cells and names the ones not run yet`` () =
    let measuredCell, emptyCell = match cells () with a :: b :: _ -> a, b | _ -> failwith "fewer than two self-training cells"
    let est (vs: float list) = Some(Stats.estimate vs)
    let row cell student baseline =
        { StudentComparison.Cell = cell; Metric = "AP"; Supervised = None; Baseline = baseline; TeacherIsSupervised = false
          Student = student; Gain = None; BoxesPerImage = None; Precision = None; Recall = None }
    let md =
        Report.studentsToMarkdown
            [ row measuredCell (est [ 10.0; 12.0 ]) (est [ 14.0 ])
              row emptyCell None None ]
    let lines = md.Split('\n') |> Array.map (fun l -> l.TrimEnd())
    // Student 10 and 12: mean 11, sample std sqrt(2) = 1.4; teacher a single seed.
    let measuredRow = lines |> Array.find (fun l -> l.StartsWith(sprintf "| %s (AP) |" measuredCell.Name))
    Assert.Contains("| 11.0 ± 1.4 (n=2) |", measuredRow)
    Assert.Contains("| 14.0 (n=1) (compute-matched) |", measuredRow)
    Assert.DoesNotContain(lines, fun l -> l.StartsWith(sprintf "| %s (AP) |" emptyCell.Name))
    let notRun = lines |> Array.find (fun l -> l.StartsWith "Not run yet")
    Assert.Contains(emptyCell.Name, notRun)
    Assert.DoesNotContain(measuredCell.Name + ";", notRun)

[<Fact>]
let ``a teacher that is the supervised run is shown as such, not as a compute-matched baseline`` () =
    let cell = List.head (cells ())
    let e = Some(Stats.estimate [ 7.0; 9.0 ])
    let md =
        Report.studentsToMarkdown
            [ { StudentComparison.Cell = cell; Metric = "AP"; Supervised = e; Baseline = e; TeacherIsSupervised = true
                Student = Some(Stats.estimate [ 10.0; 12.0 ]); Gain = None; BoxesPerImage = None; Precision = None; Recall = None } ]
    let row = md.Split('\n') |> Array.find (fun l -> l.StartsWith(sprintf "| %s (AP) |" cell.Name))
    Assert.Contains("| 8.0 ± 1.4 (n=2) | = supervised | 11.0 ± 1.4 (n=2) |", row)

[<Fact>]
let ``a student is compared with the teacher its pseudo labels came from, found through its pseudo labels' teacher`` () =
    // Teachers train twice the cell's steps here, so the teacher is a run of its own, not the supervised cell.
    let profile = { Profiles.smoke with Scope = None; TeacherStepsFactor = 2 }
    let tables = PaperTables.loadAll TestPaths.paperTables
    let plan = Plan.plan profile (PlanTests.dataAt "/data/mini") "/results/runs" (Plan.scheduleOf profile (Grid.schedules tables) None) (Grid.cells tables)
    let store = RunStore.RunStore(TestPaths.tempDir ())
    let studentCell = cells () |> List.find (fun c -> c.Name = "det efficientnet-b7 rand 100% S4 +ST")
    let runnable = RunKinds.runnable plan
    let student = runnable |> List.find (fun r -> r.Serves studentCell)
    let byHash = runnable |> List.map (fun r -> r.Hash, r) |> Map.ofList
    // Found by kind here, so that the test does not lean on the edges' names it checks.
    let pseudo = student.RequiredHashes |> List.map (fun h -> byHash.[h]) |> List.find (fun r -> match r.Kind with RunKinds.PseudoLabelRun _ -> true | _ -> false)
    let teacher = byHash.[List.exactlyOne pseudo.RequiredHashes]
    let supervised = runnable |> List.find (fun r -> r.Serves(Plan.teacherCellOf studentCell))
    Assert.NotEqual<string>(teacher.Hash, supervised.Hash)
    for run, metrics in [ student, Map [ "AP", 12.0 ]; pseudo, Map [ "boxes_per_image", 3.0 ]; teacher, Map [ "AP", 10.0 ]; supervised, Map [ "AP", 9.0 ] ] do
        store.Write { RunStoreTests.record run.Hash RunStore.Succeeded with Metrics = metrics }
    let row = Report.students Profiles.singleSchedule store plan |> List.find (fun s -> s.Cell = studentCell)
    Assert.Equal(Some 12.0, row.Student |> Option.map (fun e -> e.Mean))
    Assert.Equal(Some 10.0, row.Baseline |> Option.map (fun e -> e.Mean))
    Assert.Equal(Some 9.0, row.Supervised |> Option.map (fun e -> e.Mean))
    Assert.Equal(Some 3.0, row.BoxesPerImage |> Option.map (fun e -> e.Mean))
    Assert.False(row.TeacherIsSupervised)

[<Fact>]
let ``a chart's line joins two neighbouring columns only where both were measured`` () =
    let m = Some 1.0
    // S1 and S4 measured, S2 and S3 not: points, no line through the unmeasured levels.
    Assert.Empty(Plots.segments [ m; None; None; m ])
    Assert.Equal<(int * int) list>([ 0, 1; 1, 2; 2, 3 ], Plots.segments [ m; m; m; m ])
    Assert.Equal<(int * int) list>([ 0, 1 ], Plots.segments [ m; m; None; m ])
    Assert.Empty(Plots.segments [ m ])

[<Fact>]
let ``every table over augmentation levels or labelled fractions gets a chart, and its rows' gains one more`` () =
    let tables = PaperTables.loadAll TestPaths.paperTables
    let ordered = tables |> List.filter Plots.hasOrderedColumns |> List.map (fun t -> t.Id) |> Set.ofList
    for id in [ "pretraining-vs-augmentation"; "self-training-vs-fraction"; "segmentation-init"; "segmentation-self-training"; "loss-normalization" ] do
        Assert.Contains(id, ordered)
    for id in [ "joint-training"; "simclr-vs-self-training" ] do
        Assert.DoesNotContain(id, ordered)
    // Every cell measured once (AP 10 + its row's index): each ordered table draws its chart(s).
    let results =
        tables |> List.map (fun t ->
            Tables.compute 0.95 (fun c -> [ { RunStoreTests.record (Grid.keyOf c) RunStore.Succeeded with Metrics = Map [ t.Metric, 10.0; "AP", 10.0; "mIoU", 10.0 ] } ]) t)
    let dir = TestPaths.tempDir ()
    let written = Plots.writeAll dir results |> List.map System.IO.Path.GetFileName |> Set.ofList
    Assert.Contains("pretraining-vs-augmentation.png", written)
    Assert.Contains("pretraining-vs-augmentation-gain.png", written)
    Assert.Contains("self-training-vs-fraction.png", written)
    Assert.Contains("segmentation-init.png", written)
    Assert.DoesNotContain("joint-training.png", written)
    for f in written do Assert.True(System.IO.FileInfo(System.IO.Path.Combine(dir, f)).Length > 1000L, f)
