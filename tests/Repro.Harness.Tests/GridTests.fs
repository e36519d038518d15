module Repro.Harness.Tests.GridTests

open Xunit
open Repro.Harness
open Repro.Harness.Domain

let tables () = PaperTables.loadAll TestPaths.paperTables

[<Fact>]
let ``shared cells between tables are one grid cell`` () =
    // By hand from paper-tables/: augmentation table 3x4 = 12; fraction table 6x3 = 18, of which 3 (rand, rand-st,
    // imagenet at 100% S4) are in the augmentation table -> 27; SimCLR table (ResNet-50) 4 -> 31; joint training 5,
    // of which sup/pre/st repeat -> 33; loss normalization 6, of which the 3 normalized ones repeat -> 36;
    // segmentation 5x2 = 10 -> 46.
    Assert.Equal(46, (Grid.cells (tables ())).Length)

[<Fact>]
let ``cells take the paper's defaults where a table is silent`` () =
    let t = tables () |> List.find (fun t -> t.Id = "self-training-vs-fraction")
    let cell = Grid.cellOf t (t.Rows |> List.find (fun r -> r.Id = "imagenetpp-st")) (t.Columns |> List.find (fun c -> c.Id = "20"))
    Assert.Equal(ImageNetPlusPlus, cell.Init)
    Assert.Equal(0.2, cell.Fraction)
    Assert.Equal(S4, cell.Augment)
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
          { Table = "segmentation"; Rows = [ "*" ]; Columns = [ "train" ] } ]
    let inScope, outOfScope = Grid.scoped (Some scope) (tables ())
    // By hand: 2 rows x 2 columns = 4 detection cells, 5 segmentation rows at "train" = 5.
    Assert.Equal(9, inScope.Length)
    Assert.Equal(46 - 9, outOfScope.Length)
    Assert.Contains("det efficientnet-b7 imagenet 100% S1", inScope |> List.map (fun c -> c.Name))
    Assert.DoesNotContain("det efficientnet-b7 rand 100% S2", inScope |> List.map (fun c -> c.Name))
    let all = Grid.cells (tables ())
    Assert.Equal<Cell list>(all |> List.filter (fun c -> List.contains c inScope), inScope)
    // No scope: everything.
    let everything, none = Grid.scoped None (tables ())
    Assert.Equal(46, everything.Length)
    Assert.Empty(none)

[<Fact>]
let ``a scope naming an unknown table is an error naming it`` () =
    let e = Assert.Throws<System.ArgumentException>(fun () ->
        Grid.scoped (Some [ { Table = "no-such-table"; Rows = [ "*" ]; Columns = [ "*" ] } ]) (tables ()) |> ignore)
    Assert.Contains("no-such-table", e.Message)

[<Fact>]
let ``the default profile's scope covers every comparison of the claims it is built for`` () =
    let inScope, _ = Grid.scoped Profiles.defaultProfile.Scope (tables ())
    let cellAt table row column =
        let t = tables () |> List.find (fun t -> t.Id = table)
        Grid.cellOf t (t.Rows |> List.find (fun r -> r.Id = row)) (t.Columns |> List.find (fun c -> c.Id = column))
    // Claims 1 (S4 and the S1 trend), 2 (20% and 100%), 5 (20% and 100% of its three fractions), 10.
    for cmp in Claims.specs |> List.filter (fun s -> List.contains s.Id [ 1; 2; 10 ]) |> List.collect (fun s -> s.Comparisons) do
        Assert.Contains(cellAt cmp.Table cmp.Row cmp.Column, inScope)
        Assert.Contains(cellAt cmp.Table cmp.Versus cmp.Column, inScope)
    for table, row, column in [ "pretraining-vs-augmentation", "rand-st", "S1"; "pretraining-vs-augmentation", "rand-st", "S4"
                                "self-training-vs-fraction", "rand-st", "20"; "pretraining-vs-augmentation", "imagenet", "S1" ] do
        Assert.Contains(cellAt table row column, inScope)
    Assert.Equal(3, Profiles.defaultProfile.Seeds.Length)
