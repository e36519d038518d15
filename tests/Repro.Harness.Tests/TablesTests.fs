module Repro.Harness.Tests.TablesTests

open System
open System.Text.Json.Nodes
open Xunit
open Repro.Harness
open Repro.Harness.RunStore
open Repro.Harness.Tables

/// Test records looked up by the cell key each carries (the harness looks them up through the plan).
let byCellKey (records: RunRecord list) : Domain.Cell -> RunRecord list =
    let byCell = records |> List.filter (fun r -> r.Cell.IsSome) |> List.groupBy (fun r -> r.Cell.Value) |> Map.ofList
    fun cell -> defaultArg (byCell.TryFind(Grid.keyOf cell)) []

let table () = PaperTables.loadAll TestPaths.paperTables |> List.find (fun t -> t.Id = "pretraining-vs-augmentation")

let recordFor (t: PaperTables.PaperTable) row column seed ap status =
    let cell = Grid.cellOf t (t.Rows |> List.find (fun r -> r.Id = row)) (t.Columns |> List.find (fun c -> c.Id = column))
    { Hash = sprintf "%s-%s-%d" row column seed; Kind = "detection"; Label = cell.Name; Cell = Some(Grid.keyOf cell)
      Spec = JsonNode.Parse "{}"; Seed = seed; Status = status
      Error = (if status = Failed then Some "training diverged at step 7" else None)
      Metrics = (if status = Succeeded then Map [ "AP", ap ] else Map.empty); Artifacts = Map.empty
      CodeVersion = "t"; Environment = Map.empty; StartedUtc = DateTime.UnixEpoch; FinishedUtc = DateTime.UnixEpoch; WallSeconds = 1.0 }

[<Fact>]
let ``cells aggregate seeds and print deltas against the paper's comparison row`` () =
    let t = table ()
    let records =
        [ recordFor t "rand" "S1" 0 20.0 Succeeded
          recordFor t "rand" "S1" 1 22.0 Succeeded
          recordFor t "imagenet" "S1" 0 25.0 Succeeded
          recordFor t "imagenet" "S1" 1 26.0 Succeeded
          recordFor t "rand-st" "S2" 0 0.0 Failed ]
    let result = compute 0.95 (byCellKey records) t
    let rand = result.Get("rand", "S1")
    Assert.Equal("21.0 ± 1.4 (n=2)", formatOurs rand) // mean 21, std sqrt(2) = 1.414
    let imagenet = result.Get("imagenet", "S1")
    Assert.Equal("(+4.5) 25.5 ± 0.7 (n=2)", formatOurs imagenet)
    Assert.Equal("failed: training diverged at step 7", formatOurs (result.Get("rand-st", "S2")))
    Assert.Equal("not run", formatOurs (result.Get("rand", "S4")))
    let md = toMarkdown "smoke" result
    Assert.Contains("| Rand Init | 21.0 ± 1.4 (n=2) / 39.2 |", md)
    Assert.Contains("(+4.5) 25.5 ± 0.7 (n=2) / (+0.3) 39.5 |", md)
    let csv = toCsv result
    Assert.Contains("pretraining-vs-augmentation,imagenet,S1,AP,25.5,0.707,2,4.5,", csv)
    Assert.Contains(",measured,39.5,Table 2,0.3,Table 2", csv)
