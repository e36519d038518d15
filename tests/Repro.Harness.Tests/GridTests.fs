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
