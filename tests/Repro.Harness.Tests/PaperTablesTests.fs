module Repro.Harness.Tests.PaperTablesTests

open System.IO
open Xunit
open Repro.Harness
open Repro.Harness.PaperTables

[<Fact>]
let ``all committed paper tables load and every cell has a row, a column and a provenance`` () =
    let tables = loadAll TestPaths.paperTables
    Assert.Equal(6, tables.Length)
    for t in tables do
        Assert.Equal(t.Rows.Length * t.Columns.Length, t.Cells.Length)
        for r in t.Rows do
            for c in t.Columns do Assert.True((t.Cell(r.Id, c.Id)).IsSome, sprintf "%s: missing cell %s/%s" t.Id r.Id c.Id)

[<Fact>]
let ``published values keep their numbers and flags`` () =
    let t = loadTable (Path.Combine(TestPaths.paperTables, "pretraining-vs-augmentation.json"))
    let cell = (t.Cell("imagenet", "S4")).Value
    Assert.Equal(Some 43.3, cell.Value)
    Assert.Equal(Unverified, cell.Provenance)
    Assert.Equal(Some Text, cell.DeltaProvenance)
    Assert.Equal("(-1.0) 43.3†", formatPaperCell cell)
    Assert.Equal("39.2†", formatPaperCell (t.Cell("rand", "S1")).Value)
    // A cell's coordinates merge the table's fixed ones with its row's and column's.
    let coords = t.CoordinatesOf(t.Rows |> List.find (fun r -> r.Id = "rand-st"), t.Columns |> List.find (fun c -> c.Id = "S3"))
    Assert.Equal(Some "rand", coords.Init)
    Assert.Equal(Some true, coords.SelfTraining)
    Assert.Equal(Some "S3", coords.Augment)
    Assert.Equal(Some 1.0, coords.Fraction)

[<Fact>]
let ``a bad table names the file and the field`` () =
    let dir = TestPaths.tempDir ()
    let file = Path.Combine(dir, "bad.json")
    File.WriteAllText(file, """{"id":"x","title":"t","metric":"AP","task":"detection","backbone":"b",
        "rows":[{"id":"r","label":"R"}],"columns":[{"id":"c","label":"C"}],
        "cells":[{"row":"r","column":"c","value":1.0,"provenance":"maybe"}]}""")
    let e = Assert.Throws<InvalidDataException>(fun () -> loadTable file |> ignore)
    Assert.Contains("bad.json", e.Message)
    Assert.Contains("cells[0].provenance", e.Message)
    File.WriteAllText(file, """{"id":"x","rows":[}""")
    let e2 = Assert.Throws<InvalidDataException>(fun () -> loadTable file |> ignore)
    Assert.Contains("bad.json: invalid JSON", e2.Message)

[<Fact>]
let ``claims list the eleven checkable claims with their tables`` () =
    let claims = loadClaims TestPaths.paperTables
    Assert.Equal<int list>([ 1..11 ], claims |> List.map (fun c -> c.Id))
    let tables = loadAll TestPaths.paperTables |> List.map (fun t -> t.Id) |> set
    for c in claims do Assert.Contains(c.Table, tables)
