module Repro.Harness.Tests.LiveBoardTests

open System
open Xunit
open Repro.Harness.RunStore
open Repro.Harness.LiveBoard

let private longLabel = "ImageNet-pretrained 100% S4 +ST (pseudo 0.3, teacher = supervised cell, seed 3)"

/// Two workers' runs in flight (one not yet reporting) and three ended, one failed.
let private snapshot =
    { Runs = 12; TotalEstimate = 1200.0; DoneEstimate = 300.0; SweepEta = 754.0
      Running =
        [ { Index = 4; Label = longLabel; Estimate = 100.0; Step = 120L; Total = 400L; Eta = 65.0 }
          { Index = 5; Label = "rand 100% S2"; Estimate = 100.0; Step = 0L; Total = 0L; Eta = nan } ]
      Ended =
        [ { Index = 1; Label = "rand 100% S1"; Outcome = "AP 12.34"; Failed = false; WallSeconds = 62.0 }
          { Index = 2; Label = "segmentation 100% S1"; Outcome = "mIoU 41.20"; Failed = false; WallSeconds = 80.0 }
          { Index = 3; Label = longLabel; Outcome = "non-finite loss at step 17"; Failed = true; WallSeconds = 5.0 } ] }

let private texts width height = layout width height snapshot |> List.map fst

[<Theory>]
[<InlineData(80)>]
[<InlineData(100)>]
[<InlineData(120)>]
[<InlineData(200)>]
[<InlineData(40)>]
[<InlineData(20)>]
let ``every line fits the width and none collapses to an ellipsis`` (width: int) =
    let lines = texts width None
    Assert.Equal(1 + 2 + 3, lines.Length)
    for l in lines do
        Assert.True(l.Length <= width, sprintf "%d > %d: %s" l.Length width l)
        Assert.NotEqual<string>("…", l.Trim())
    Assert.StartsWith("sweep 3/12", lines.[0])

[<Theory>]
[<InlineData(80)>]
[<InlineData(100)>]
[<InlineData(120)>]
[<InlineData(200)>]
let ``running rows show steps and ETA, ended rows their headline number`` (width: int) =
    let lines = texts width None
    Assert.Contains("120/400", lines.[1])
    Assert.Contains("eta 1m05s", lines.[1])
    Assert.Contains("starting", lines.[2])
    Assert.Contains("AP 12.34 (1m02s)", lines.[3])
    Assert.Contains("mIoU 41.20", lines.[4])
    Assert.Contains("FAILED", lines.[5])

[<Fact>]
let ``narrow terminals truncate labels with an ellipsis and drop the bar before the text`` () =
    let at80 = texts 80 None
    Assert.Contains("[4/12] ImageNet", at80.[1])
    Assert.Contains("…", at80.[1])
    Assert.Contains("━", at80.[0]) // 80 columns still have room for a bar
    let at40 = texts 40 None
    Assert.DoesNotContain("━", at40.[1])
    Assert.DoesNotContain("─", at40.[1])
    Assert.Contains("120/400", at40.[1])
    // Wide terminals show the whole label, bars aligned in one column.
    let at200 = texts 200 None
    Assert.Contains(longLabel, at200.[1])
    Assert.Equal(at200.[1].IndexOf '━', at200.[2].IndexOf '─')

[<Fact>]
let ``ended runs that do not fit the height are counted, the latest shown`` () =
    let lines = texts 100 (Some 6)
    Assert.Equal(5, lines.Length)
    Assert.Equal("… 2 earlier runs ended (0 failed)", lines.[3])
    Assert.Contains("FAILED", lines.[4])

[<Fact>]
let ``the board relays worker runs from start to their headline number`` () =
    let board = Board(2, 200.0, 2)
    board.Start(1, "rand 100% S1", 100.0)
    board.Start(2, "rand 100% S2", 100.0)
    board.Step(2, 50L, 100L, 30.0)
    let record: RunRecord =
        { Hash = "h1"; Kind = "detection"; Label = "rand 100% S1"; Cell = None; Spec = null; Seed = 1; Status = Succeeded
          Error = None; Metrics = Map [ "AP", 7.5 ]; Artifacts = Map.empty; CodeVersion = "test"; Environment = Map.empty
          StartedUtc = DateTime.UnixEpoch; FinishedUtc = DateTime.UnixEpoch; WallSeconds = 40.0 }
    board.Finish(1, record)
    let s = board.Snapshot()
    Assert.Equal(100.0, s.DoneEstimate)
    let lines = layout 100 None s |> List.map fst
    Assert.Contains("sweep 1/2", lines.[0])
    Assert.Contains("[2/2] rand 100% S2", lines.[1])
    Assert.Contains("50/100", lines.[1])
    Assert.Contains("✓ [1/2] rand 100% S1  AP 7.50 (40s)", lines.[2])
