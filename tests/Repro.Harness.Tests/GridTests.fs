module Repro.Harness.Tests.GridTests

open Xunit
open Repro.Harness
open Repro.Harness.Domain

let tables () = PaperTables.loadAll TestPaths.paperTables

[<Fact>]
let ``shared cells between tables are one grid cell`` () =
    // By hand from paper-tables/: Table 2 3x4 = 12; Table 3 6x3 = 18, of which 3 (rand, rand-st, imagenet at 100%
    // S4) are in Table 2 -> 27; Table 4 (ResNet-50) 4 -> 31; Table 7 (20% S4) 4x2 = 8, of which sup and st (both
    // inits) are Table 3's 20% cells -> 35; Table 10 3x4 = 12, of which sup and from-teacher are Table 2's rand and
    // rand-st -> 39; loss normalization 2x2, of which the normalized row is rand-st at S1/S4 -> 41; Table 11 3x2 = 6
    // -> 47; Table 8 3x2, of which train is Table 11's imagenet++ -> 51; Table 14 4x2, of which sup is Table 11's
    // imagenet++ and pascal-aug is Table 8's train-st -> 55.
    Assert.Equal(55, (Grid.cells (tables ())).Length)

[<Fact>]
let ``cells take the paper's defaults where a table is silent`` () =
    let t = tables () |> List.find (fun t -> t.Id = "self-training-vs-fraction")
    let cell = Grid.cellOf t (t.Rows |> List.find (fun r -> r.Id = "imagenetpp-st")) (t.Columns |> List.find (fun c -> c.Id = "20"))
    Assert.Equal(ImageNetPlusPlus, cell.Init)
    Assert.Equal(0.2, cell.Fraction)
    Assert.Equal(AugmentLevel.S4, cell.Augment)
    Assert.True(cell.SelfTraining)
    Assert.True(cell.LossNormalization)
    Assert.False(cell.JointTraining)
    Assert.Equal("det efficientnet-b7 imagenet++ 20% S4 +ST", cell.Name)

[<Fact>]
let ``cell keys are stable and distinguish every coordinate`` () =
    let cells = Grid.cells (tables ())
    let keys = cells |> List.map Grid.keyOf
    Assert.Equal(cells.Length, (List.distinct keys).Length)
    Assert.Equal<string list>(keys, Grid.cells (tables ()) |> List.map Grid.keyOf)

[<Fact>]
let ``a scope keeps the selected rows x columns and leaves the rest out, in grid order`` () =
    let scope : Grid.CellSelector list =
        [ { Table = "pretraining-vs-augmentation"; Rows = [ "rand"; "imagenet" ]; Columns = [ "S1"; "S4" ] }
          { Table = "segmentation-init"; Rows = [ "*" ]; Columns = [ "S1" ] } ]
    let inScope, outOfScope = Grid.scoped (Some scope) (tables ())
    // By hand: 2 rows x 2 columns = 4 detection cells, 3 segmentation rows at S1 = 3.
    Assert.Equal(7, inScope.Length)
    Assert.Equal(55 - 7, outOfScope.Length)
    Assert.Contains("det efficientnet-b7 imagenet 100% S1", inScope |> List.map (fun c -> c.Name))
    Assert.DoesNotContain("det efficientnet-b7 rand 100% S2", inScope |> List.map (fun c -> c.Name))
    let all = Grid.cells (tables ())
    Assert.Equal<Cell list>(all |> List.filter (fun c -> List.contains c inScope), inScope)
    // No scope: everything.
    let everything, none = Grid.scoped None (tables ())
    Assert.Equal(55, everything.Length)
    Assert.Empty(none)

[<Fact>]
let ``a scope naming an unknown table is an error naming it`` () =
    let e = Assert.Throws<System.ArgumentException>(fun () ->
        Grid.scoped (Some [ { Table = "no-such-table"; Rows = [ "*" ]; Columns = [ "*" ] } ]) (tables ()) |> ignore)
    Assert.Contains("no-such-table", e.Message)

[<Fact>]
let ``the default profile's scope covers every comparison of claim 1, the claim it is built for`` () =
    let inScope, _ = Grid.scoped Profiles.defaultProfile.Scope (tables ())
    let cellAt table row column =
        let t = tables () |> List.find (fun t -> t.Id = table)
        Grid.cellOf t (t.Rows |> List.find (fun r -> r.Id = row)) (t.Columns |> List.find (fun c -> c.Id = column))
    let claim1 = Claims.specs |> List.find (fun s -> s.Id = 1)
    let needed =
        [ for cmp in claim1.Comparisons @ (claim1.Trends |> List.collect (fun t -> [ t.First; t.Second ])) do
            cellAt cmp.Table cmp.Row cmp.Column
            cellAt cmp.Table cmp.Versus cmp.Column ] |> List.distinct
    Assert.Equal<Set<Domain.Cell>>(Set.ofList needed, Set.ofList inScope)
    Assert.Equal(3, Profiles.defaultProfile.Seeds.Length)
