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
