module Repro.Harness.Tests.PaperTablesTests

open System.IO
open Xunit
open Repro.Harness
open Repro.Harness.Domain
open Repro.Harness.PaperTables

/// An independent transcription of every published cell, typed from the paper (arXiv v2) apart from
/// paper-tables/: a cell changes only where both places agree. (table id, row, column, value, printed delta).
let private transcription : (string * string * string * float * float option) list =
    [ // Table 2
      for col, v in [ "S1", 39.2; "S2", 41.5; "S3", 43.9; "S4", 44.3 ] do "pretraining-vs-augmentation", "rand", col, v, None
      for col, v, d in [ "S1", 39.5, 0.3; "S2", 40.7, -0.7; "S3", 43.2, -0.8; "S4", 43.3, -1.0 ] do "pretraining-vs-augmentation", "imagenet", col, v, Some d
      for col, v, d in [ "S1", 40.9, 1.7; "S2", 43.0, 1.5; "S3", 45.4, 1.5; "S4", 45.6, 1.3 ] do "pretraining-vs-augmentation", "rand-st", col, v, Some d
      // Table 3
      for col, v in [ "20", 30.7; "50", 39.6; "100", 44.3 ] do "self-training-vs-fraction", "rand", col, v, None
      for col, v, d in [ "20", 34.1, 3.4; "50", 41.4, 1.8; "100", 45.6, 1.3 ] do "self-training-vs-fraction", "rand-st", col, v, Some d
      for col, v in [ "20", 33.3; "50", 38.8; "100", 43.3 ] do "self-training-vs-fraction", "imagenet", col, v, None
      for col, v, d in [ "20", 36.0, 2.7; "50", 40.5, 1.7; "100", 44.6, 1.3 ] do "self-training-vs-fraction", "imagenet-st", col, v, Some d
      for col, v in [ "20", 35.9; "50", 39.9; "100", 43.8 ] do "self-training-vs-fraction", "imagenetpp", col, v, None
      for col, v, d in [ "20", 37.2, 1.3; "50", 41.5, 1.6; "100", 44.6, 0.8 ] do "self-training-vs-fraction", "imagenetpp-st", col, v, Some d
      // Table 4
      "simclr-vs-self-training", "rand", "ap", 41.1, None
      "simclr-vs-self-training", "imagenet", "ap", 40.4, Some -0.7
      "simclr-vs-self-training", "simclr", "ap", 40.4, Some -0.7
      "simclr-vs-self-training", "rand-st", "ap", 41.9, Some 0.8
      // Table 7 (transposed: regimes as rows)
      "joint-training", "sup", "rand", 30.7, None
      "joint-training", "sup", "imagenet", 33.3, None
      "joint-training", "st", "rand", 34.1, Some 3.4
      "joint-training", "st", "imagenet", 36.0, Some 2.7
      "joint-training", "joint", "rand", 33.6, Some 2.9
      "joint-training", "joint", "imagenet", 34.0, Some 0.7
      "joint-training", "st-joint", "rand", 35.1, Some 4.4
      "joint-training", "st-joint", "imagenet", 36.6, Some 3.3
      // Table 10
      for col, v in [ "S1", 39.2; "S2", 41.5; "S3", 43.9; "S4", 44.3 ] do "student-initialization", "sup", col, v, None
      for col, v in [ "S1", 40.9; "S2", 43.0; "S3", 45.4; "S4", 45.6 ] do "student-initialization", "from-teacher", col, v, None
      for col, v in [ "S1", 41.0; "S2", 42.7; "S3", 45.0; "S4", 45.2 ] do "student-initialization", "random-student", col, v, None
      // Table 11
      "segmentation-init", "rand", "S1", 28.4, None
      "segmentation-init", "rand", "S4", 41.5, None
      "segmentation-init", "imagenet", "S1", 80.2, Some 51.8
      "segmentation-init", "imagenet", "S4", 81.4, Some 39.9
      "segmentation-init", "imagenetpp", "S1", 83.9, Some 55.5
      "segmentation-init", "imagenetpp", "S4", 85.2, Some 43.7
      // Table 8
      "segmentation-self-training", "train", "S1", 83.9, None
      "segmentation-self-training", "train", "S4", 85.2, None
      "segmentation-self-training", "trainaug", "S1", 84.7, Some 0.8
      "segmentation-self-training", "trainaug", "S4", 84.8, Some -0.4
      "segmentation-self-training", "train-st", "S1", 85.6, Some 1.7
      "segmentation-self-training", "train-st", "S4", 86.7, Some 1.5
      // Table 14
      "segmentation-unlabeled-source", "sup", "S1", 83.9, None
      "segmentation-unlabeled-source", "sup", "S4", 85.2, None
      "segmentation-unlabeled-source", "imagenet", "S1", 85.0, Some 1.1
      "segmentation-unlabeled-source", "imagenet", "S4", 86.0, Some 0.8
      "segmentation-unlabeled-source", "coco", "S1", 85.3, Some 1.4
      "segmentation-unlabeled-source", "coco", "S4", 86.6, Some 1.4
      "segmentation-unlabeled-source", "pascal-aug", "S1", 85.6, Some 1.7
      "segmentation-unlabeled-source", "pascal-aug", "S4", 86.7, Some 1.5 ]

/// Appendix H, transcribed apart: (table, row, column, steps, α).
let private appendixH : (string * string * string * int * float option) list =
    [ for col, s in [ "S1", 45000; "S2", 90000; "S3", 90000; "S4", 120000 ] do "pretraining-vs-augmentation", "rand", col, s, None
      for col, s in [ "S1", 22500; "S2", 45000; "S3", 90000; "S4", 90000 ] do "pretraining-vs-augmentation", "imagenet", col, s, None
      for col, s, a in [ "S1", 45000, 1.0; "S2", 90000, 1.0; "S3", 90000, 0.5; "S4", 90000, 0.5 ] do "pretraining-vs-augmentation", "rand-st", col, s, Some a
      for col, s in [ "20", 45000; "50", 90000; "100", 120000 ] do "self-training-vs-fraction", "rand", col, s, None
      for col, s, a in [ "20", 90000, 3.0; "50", 90000, 1.0; "100", 90000, 0.5 ] do "self-training-vs-fraction", "rand-st", col, s, Some a
      for col, s in [ "20", 5625; "50", 22500; "100", 90000 ] do "self-training-vs-fraction", "imagenet", col, s, None
      for col, s, a in [ "20", 90000, 3.0; "50", 45000, 1.0; "100", 90000, 1.0 ] do "self-training-vs-fraction", "imagenet-st", col, s, Some a
      for col, s in [ "20", 5625; "50", 11250; "100", 45000 ] do "self-training-vs-fraction", "imagenetpp", col, s, None
      for col, s, a in [ "20", 90000, 3.0; "50", 45000, 1.0; "100", 45000, 0.25 ] do "self-training-vs-fraction", "imagenetpp-st", col, s, Some a
      "simclr-vs-self-training", "rand", "ap", 200000, None
      "simclr-vs-self-training", "imagenet", "ap", 160000, None
      "simclr-vs-self-training", "simclr", "ap", 160000, None
      "simclr-vs-self-training", "rand-st", "ap", 120000, Some 0.25
      for row in [ "train"; "trainaug" ] do
          for col in [ "S1"; "S4" ] do "segmentation-self-training", row, col, 40000, None
      for col in [ "S1"; "S4" ] do "segmentation-self-training", "train-st", col, 40000, Some 1.0 ]

let private tables () = loadAll TestPaths.paperTables

[<Fact>]
let ``every published cell equals the independent transcription, and every transcribed cell is published`` () =
    let ts = tables ()
    let published =
        [ for t in ts do
            for c in t.Cells do
                match c.Value with
                | Some v -> (t.Id, c.Row, c.Column), (v, c.Delta, c.Provenance)
                | None -> () ]
    Assert.Equal(transcription.Length, published.Length)
    let byKey = Map.ofList published
    for (t, r, c, v, d) in transcription do
        match byKey.TryFind(t, r, c) with
        | None -> failwithf "%s (%s, %s): not in paper-tables" t r c
        | Some(value, delta, prov) ->
            Assert.True((value = v), sprintf "%s (%s, %s): paper-tables %g, transcription %g" t r c value v)
            Assert.True((delta = d), sprintf "%s (%s, %s): delta %A vs %A" t r c delta d)
            Assert.True((match prov with Source s -> s.StartsWith "Table" | _ -> false), sprintf "%s (%s, %s): provenance %A" t r c prov)

[<Fact>]
let ``every Appendix H schedule equals the transcription and only those cells carry one`` () =
    let given =
        [ for t in tables () do
            for c in t.Cells do
                match c.Schedule with
                | Some s -> (t.Id, c.Row, c.Column, s.Steps, s.Alpha), s.Provenance
                | None -> () ]
    Assert.Equal<(string * string * string * int * float option) list>(List.sort appendixH, given |> List.map fst |> List.sort)
    Assert.All(given, fun (_, p) -> Assert.Equal(Source "Appendix H", p))

[<Fact>]
let ``no committed cell is unverified, so no rendered table shows a dagger`` () =
    let ts = tables ()
    Assert.Equal(9, ts.Length)
    for t in ts do
        for c in t.Cells do Assert.NotEqual(Unverified, c.Provenance)
        let md = Tables.toMarkdown "test" (Tables.compute 0.95 (fun _ -> []) t)
        let body = md.Split('\n') |> Array.filter (fun l -> l.StartsWith "| ") |> String.concat "\n"
        Assert.DoesNotContain("†", body)
    // The loss-normalization file has no AP cells (plotted only), but the two summary deltas Appendix B states.
    let ln = ts |> List.find (fun t -> t.Id = "loss-normalization")
    Assert.All(ln.Cells, fun c -> Assert.Equal(None, c.Value))
    Assert.Equal<float option list>([ Some 0.4; Some 1.3 ], ln.Summaries |> List.map (fun s -> s.Delta))

[<Fact>]
let ``published values keep their numbers and a cell's coordinates are typed`` () =
    let t = loadTable (Path.Combine(TestPaths.paperTables, "pretraining-vs-augmentation.json"))
    let cell = (t.Cell("imagenet", "S4")).Value
    Assert.Equal(Some 43.3, cell.Value)
    Assert.Equal(Source "Table 2", cell.Provenance)
    Assert.Equal("(-1.0) 43.3", formatPaperCell cell)
    Assert.Equal("39.2†", formatPaperCell { (t.Cell("rand", "S1")).Value with Provenance = Unverified })
    let coords = t.CoordinatesOf(t.Rows |> List.find (fun r -> r.Id = "rand-st"), t.Columns |> List.find (fun c -> c.Id = "S3"))
    Assert.Equal(Some Rand, coords.Init)
    Assert.Equal(Some true, coords.SelfTraining)
    Assert.Equal(Some AugmentLevel.S3, coords.Augment)
    Assert.Equal(Some 1.0, coords.Fraction)

let private writeTable (cells: string) (extraRow: string) =
    let file = Path.Combine(TestPaths.tempDir (), "bad.json")
    File.WriteAllText(file, sprintf """{"id":"x","title":"t","metric":"AP","task":"detection","backbone":"resnet-50",
        "rows":[{"id":"r","label":"R"}%s],"columns":[{"id":"c","label":"C","augment":"S1"}],
        "cells":[%s]}""" extraRow cells)
    file

let private failsWith (file: string) (expected: string list) =
    let e = Assert.Throws<InvalidDataException>(fun () -> loadTable file |> ignore)
    Assert.Contains("bad.json", e.Message)
    for x in expected do Assert.Contains(x, e.Message)

[<Fact>]
let ``a malformed table fails at load naming the file and the cell`` () =
    failsWith (writeTable """{"row":"r","column":"c","value":1.0,"provenance":"maybe"}""" "") [ "cells[0].provenance"; "maybe" ]
    failsWith (writeTable """{"row":"r","column":"c","value":1.0,"provenance":"Table 2","vlaue":2}""" "") [ "cells[0].vlaue"; "unknown property" ]
    failsWith (writeTable """{"row":"r","column":"c","value":null,"provenance":"Table 2"}""" "") [ "cells[0].value" ]
    failsWith (writeTable """{"row":"r","column":"c","value":1.0,"provenance":"Table 2","steps":-5,"scheduleProvenance":"Appendix H"}""" "") [ "cells[0].steps" ]
    failsWith (writeTable """{"row":"r","column":"c","value":1.0,"provenance":"Table 2","alpha":2}""" "") [ "cells[0].alpha" ]
    // A row without its cell, and a delta that is not the difference of the printed values.
    failsWith (writeTable """{"row":"r","column":"c","value":1.0,"provenance":"Table 2"}""" """,{"id":"s","label":"S","deltaFrom":"r"}""") [ "no cell for row 's'" ]
    failsWith (writeTable """{"row":"r","column":"c","value":40.0,"provenance":"Table 2"},{"row":"s","column":"c","value":41.0,"provenance":"Table 2","delta":1.5}"""
                          """,{"id":"s","label":"S","deltaFrom":"r"}""") [ "cells[s, c].delta"; "+1.5 is not 41.0 − 40.0" ]
    // A vocabulary value outside the paper's: augmentation S5, a fraction above 1.
    let file = Path.Combine(TestPaths.tempDir (), "bad.json")
    File.WriteAllText(file, """{"id":"x","title":"t","metric":"AP","task":"detection","backbone":"resnet-50",
        "rows":[{"id":"r","label":"R","augment":"S5"}],"columns":[{"id":"c","label":"C"}],"cells":[{"row":"r","column":"c","value":1.0,"provenance":"Table 2"}]}""")
    failsWith file [ "rows[0].augment"; "S5" ]
    // Core's grammar for a level: its name in any case, never the enum's number.
    File.WriteAllText(file, (File.ReadAllText file).Replace("\"S5\"", "\"1\""))
    failsWith file [ "rows[0].augment"; "unknown augmentation level '1'" ]
    File.WriteAllText(file, (File.ReadAllText file).Replace("\"1\"", "\"s3\""))
    Assert.Equal(Some AugmentLevel.S3, (loadTable file).Rows.Head.Coordinates.Augment)
    File.WriteAllText(file, """{"id":"x","title":"t","metric":"AP","task":"detection","backbone":"resnet-50","fixed":{"fraction":1.5},
        "rows":[{"id":"r","label":"R"}],"columns":[{"id":"c","label":"C"}],"cells":[{"row":"r","column":"c","value":1.0,"provenance":"Table 2"}]}""")
    failsWith file [ "fixed.fraction" ]
    File.WriteAllText(file, """{"id":"x","rows":[}""")
    failsWith file [ "bad.json: invalid JSON" ]
    // The metric must be the one its task's records hold (the paper's "mIOU" spelling is accepted).
    let good = writeTable """{"row":"r","column":"c","value":1.0,"provenance":"Table 2"}""" ""
    File.WriteAllText(good, (File.ReadAllText good).Replace("\"metric\":\"AP\"", "\"metric\":\"mIOU\""))
    failsWith good [ "metric"; "'mIOU' is not what a Detection table reports (AP)" ]
    File.WriteAllText(good, (File.ReadAllText good).Replace("\"task\":\"detection\"", "\"task\":\"segmentation\""))
    Assert.Equal(Segmentation, (loadTable good).Task)
    File.WriteAllText(good, (File.ReadAllText good).Replace("\"resnet-50\"", "\"vgg-16\""))
    failsWith good [ "backbone"; "unknown paper backbone 'vgg-16'" ]

[<Fact>]
let ``a grid cell two tables give different schedules is an error naming both`` () =
    let dir = TestPaths.tempDir ()
    let table (id: string) (steps: int) =
        File.WriteAllText(Path.Combine(dir, id + ".json"), sprintf """{"id":"%s","title":"t","metric":"AP","task":"detection","backbone":"resnet-50",
            "rows":[{"id":"r","label":"R","init":"rand"}],"columns":[{"id":"c","label":"C","augment":"S4"}],
            "cells":[{"row":"r","column":"c","value":1.0,"provenance":"Table 2","steps":%d,"scheduleProvenance":"Appendix H"}]}""" id steps)
    table "one" 1000
    table "two" 1000
    Assert.Equal(1, (Grid.schedules (loadAll dir)).Count)
    table "two" 2000
    let e = Assert.Throws<InvalidDataException>(fun () -> Grid.schedules (loadAll dir) |> ignore)
    Assert.Contains("one.json", e.Message)
    Assert.Contains("two.json", e.Message)

[<Fact>]
let ``the committed tables agree on every shared cell's schedule`` () =
    let s = Grid.schedules (tables ())
    // Table 2's Rand S4 and Table 3's Rand 100% are one grid cell at 120k steps.
    let randS4 = s |> Map.toList |> List.filter (fun (c, _) -> c.Init = Rand && c.Augment = AugmentLevel.S4 && c.Fraction = 1.0 && not c.SelfTraining && c.Backbone = EfficientNetB7)
    Assert.Equal<int list>([ 120000 ], randS4 |> List.map (fun (_, x) -> x.Steps))

[<Fact>]
let ``claims list the twelve checkable claims with their tables`` () =
    let claims = loadClaims TestPaths.paperTables
    Assert.Equal<int list>([ 1..12 ], claims |> List.map (fun c -> c.Id))
    let tables = tables () |> List.map (fun t -> t.Id) |> set
    for c in claims do Assert.Contains(c.Table, tables)
    // Every claim spec compares rows and columns that exist.
    let byId = PaperTables.loadAll TestPaths.paperTables |> List.map (fun t -> t.Id, t) |> Map.ofList
    for spec in Claims.specs do
        for c in spec.Comparisons @ (spec.Trends |> List.collect (fun t -> [ t.First; t.Second ])) do
            let t = byId.[c.Table]
            Assert.True((t.Cell(c.Row, c.Column)).IsSome && (t.Cell(c.Versus, c.Column)).IsSome, sprintf "claim %d: %A" spec.Id c)
