module Repro.Harness.Tests.GoldenTests

open System
open Xunit
open Repro.Core.Native
open Repro.Harness
open Repro.Harness.Golden

let cell table row column mean = { Table = table; Row = row; Column = column; Metric = "AP"; Mean = mean; N = 1 }
let tolerances = [ { Metric = "AP"; Absolute = 0.5; TableMean = Some 0.2; Justification = "test" } ]
let platform = PlatformFingerprint("2.10.0", "AVX2", "unset", "cpu (features 0)", 2, "linux-x64")
let golden =
    { Profile = "smoke"; Platform = Some platform
      Cells = [ cell "t" "rand" "S1" 20.0; cell "t" "rand" "S4" 25.0 ]
      Runs = [ { Label = "det rand S1"; Hash = "h1"; Metrics = Map [ "AP", 20.0; "AR100", 40.0 ] } ] }

let private outcome layer partial fresh =
    { Layer = layer; Reason = "test"; Comparisons = compare layer tolerances partial golden fresh; Degenerate = [] }

[<Fact>]
let ``statistical: unchanged and within-tolerance results pass`` () =
    let fresh = { golden with Cells = [ cell "t" "rand" "S1" 20.3; cell "t" "rand" "S4" 24.9 ] }
    let o = outcome Statistical false fresh
    Assert.True(o.Passed, diffReport o)
    Assert.Contains("3 within tolerance, 0 moved, 0 missing, 0 new", diffReport o)

[<Fact>]
let ``statistical: a perturbed cell fails with a readable diff`` () =
    let fresh = { golden with Cells = [ cell "t" "rand" "S1" 20.0; cell "t" "rand" "S4" 26.3 ] }
    let o = outcome Statistical false fresh
    Assert.False(o.Passed)
    Assert.Matches(@"t/rand/S4\s+25\.00\s+26\.30\s+\+1\.30\s+0\.50\s+Moved", diffReport o)

[<Fact>]
let ``statistical: cells each within tolerance but shifted together fail on the table mean`` () =
    // +0.3 on both cells: each within 0.5, the table's mean moved 0.3 > 0.2.
    let fresh = { golden with Cells = [ cell "t" "rand" "S1" 20.3; cell "t" "rand" "S4" 25.3 ] }
    let o = outcome Statistical false fresh
    Assert.False(o.Passed)
    Assert.Contains(o.Comparisons, fun c -> c.Item = "t (mean of 2 cells)" && c.Verdict = Moved)

[<Fact>]
let ``exact: any bit of a cell or a run metric that moved fails, equal bits pass`` () =
    Assert.True((outcome Exact false golden).Passed)
    let nudged = { golden with Cells = [ cell "t" "rand" "S1" (BitConverter.Int64BitsToDouble(BitConverter.DoubleToInt64Bits 20.0 + 1L)); cell "t" "rand" "S4" 25.0 ] }
    Assert.False((outcome Exact false nudged).Passed)
    let runMoved = { golden with Runs = [ { golden.Runs.Head with Metrics = Map [ "AP", 20.0; "AR100", 40.000001 ] } ] }
    let o = outcome Exact false runMoved
    Assert.False(o.Passed)
    Assert.Contains(o.Comparisons, fun c -> c.Item = "run det rand S1: AR100" && c.Verdict = Moved)
    let renamed = { golden with Runs = [ { golden.Runs.Head with Hash = "h2" } ] }
    Assert.False((outcome Exact false renamed).Passed)

[<Fact>]
let ``a cell no longer measured fails, unless only a selection was run; a new one does not fail`` () =
    let fresh = { golden with Cells = [ cell "t" "rand" "S1" 20.0; cell "t" "imagenet" "S1" 30.0 ] }
    let o = outcome Statistical false fresh
    Assert.False(o.Passed)
    Assert.Contains(o.Comparisons, fun c -> c.Item = "t/rand/S4" && c.Verdict = Missing)
    Assert.Contains(o.Comparisons, fun c -> c.Item = "t/imagenet/S1" && c.Verdict = New)
    Assert.True((outcome Statistical true { fresh with Runs = [] }).Passed)

[<Fact>]
let ``the layer is exact only where the fresh runs' platform equals the snapshot's`` () =
    let record (p: PlatformFingerprint option) : RunStore.RunRecord =
        { Hash = "h1"; Kind = "detection"; Label = "det rand S1"; Cell = None; Spec = null; Seed = 0; Status = RunStore.Succeeded
          Error = None; Metrics = Map.empty; Artifacts = Map.empty; CodeVersion = "x"
          Environment = (match p with Some p -> Map [ "platform", CanonicalJson.serialize p ] | None -> Map.empty)
          StartedUtc = DateTime.UtcNow; FinishedUtc = DateTime.UtcNow; WallSeconds = 1.0 }
    Assert.Equal(Exact, fst (chooseLayer golden [ record (Some platform) ]))
    let layer, why = chooseLayer golden [ record (Some(PlatformFingerprint("2.10.0", "DEFAULT", "unset", "cpu (features 0)", 2, "linux-x64"))) ]
    Assert.Equal(Statistical, layer)
    Assert.Contains("aten: DEFAULT vs AVX2", why)
    Assert.Equal(Statistical, fst (chooseLayer golden [ record None ]))
    Assert.Equal(Statistical, fst (chooseLayer { golden with Platform = None } [ record (Some platform) ]))
    // With a snapshot recorded on another platform too: exact against it on that platform, the primary elsewhere.
    let amd = PlatformFingerprint("2.10.0", "AVX512", "unset", "AMD EPYC (features 1)", 2, "linux-x64")
    let onAmd = { golden with Platform = Some amd; Cells = [ cell "t" "rand" "S1" 21.0 ] }
    let snapshots = { Primary = golden; OnOtherPlatforms = [ onAmd ] }
    let chosen, layer, why = chooseSnapshot snapshots [ record (Some amd) ]
    Assert.Equal((onAmd, Exact), (chosen, layer))
    Assert.Contains("AMD EPYC", why)
    let chosen, layer, _ = chooseSnapshot snapshots [ record (Some platform) ]
    Assert.Equal((golden, Exact), (chosen, layer))
    let chosen, layer, why = chooseSnapshot snapshots [ record (Some(PlatformFingerprint("2.10.0", "DEFAULT", "unset", "cpu (features 0)", 2, "linux-x64"))) ]
    Assert.Equal((golden, Statistical), (chosen, layer))
    Assert.Contains("nor any of the 1 other platforms with a snapshot", why)

[<Fact>]
let ``degenerate cells are named: zero, rows identical in a column, segmentation at the constant predictor`` () =
    let segCell = { cell "seg" "rand" "train" 9.1 with Metric = "mIoU" }
    let snap = { golden with Cells = [ cell "t" "rand" "S1" 0.0; cell "t" "a" "S4" 1.5; cell "t" "b" "S4" 1.5; segCell; cell "t" "c" "S1" 2.0 ] }
    let constant : RunStore.RunRecord =
        { Hash = "s"; Kind = "segmentation"; Label = "seg"; Cell = None; Spec = null; Seed = 0; Status = RunStore.Succeeded
          Error = None; Metrics = Map [ "mIoU", 9.1; "mIoU_constant", 9.1 ]; Artifacts = Map.empty; CodeVersion = "x"
          Environment = Map.empty; StartedUtc = DateTime.UtcNow; FinishedUtc = DateTime.UtcNow; WallSeconds = 1.0 }
    let problems = degenerate snap (fun c -> if c.Table = "seg" then [ constant ] else []) [ { constant with Metrics = Map [ "boxes_per_image", 0.0 ]; Label = "pseudo" } ]
    Assert.Equal(4, problems.Length)
    Assert.Contains("t/rand/S1: AP is 0", problems)
    Assert.Contains("t/S4: rows a, b all measure 1.5", problems)
    Assert.Contains(problems, fun p -> p.StartsWith "seg/rand/train: mIoU 9.1000 is not above the constant predictor's")
    Assert.Contains("pseudo: no pseudo box kept", problems)
    Assert.Equal<string list>([ "the snapshot has no measured cell" ], degenerate { golden with Cells = [] } (fun _ -> []) [])

[<Fact>]
let ``spread is the largest and rms move over the variants, per cell and per table mean`` () =
    let v1 = { golden with Cells = [ cell "t" "rand" "S1" 20.4; cell "t" "rand" "S4" 25.0 ] }
    let v2 = { golden with Cells = [ cell "t" "rand" "S1" 19.8; cell "t" "rand" "S4" 25.2 ] }
    let s = spread golden [ "a", v1; "b", v2 ] |> List.exactlyOne
    Assert.Equal(4, s.Cells)
    Assert.Equal(0.4, s.MaxCell, 9)
    Assert.Equal(sqrt ((0.16 + 0.0 + 0.04 + 0.04) / 4.0), s.SdCell, 9)
    Assert.Equal(0.2, s.MaxTableMean, 9)

[<Fact>]
let ``a new spread measurement only widens the bounds a file holds, and keeps the earlier justification`` () =
    let earlier = [ { Metric = "AP"; Absolute = 1.08; TableMean = Some 0.55; Justification = "Intel." }
                    { Metric = "mIoU"; Absolute = 2.0; TableMean = Some 1.26; Justification = "Intel, mIoU." } ]
    let s = { Metric = "mIoU"; Cells = 6; MaxCell = 2.44; SdCell = 1.0; MaxTableMean = 0.1 }
    // 1.5 x 2.44 = 3.66 for a cell; max(1.5 x 0.1, 3 x 1.0 / sqrt 2) = 2.1213 -> 2.13 for a table mean.
    Assert.Equal((3.66, 2.13), boundsOf s)
    let amd = [ { Metric = "AP"; Absolute = 0.9; TableMean = Some 0.7; Justification = "AMD." }
                { Metric = "mIoU"; Absolute = 3.66; TableMean = Some 1.0; Justification = "AMD, mIoU." } ]
    let merged = mergeTolerances earlier amd
    let ap = merged |> List.find (fun t -> t.Metric = "AP")
    let miou = merged |> List.find (fun t -> t.Metric = "mIoU")
    Assert.Equal((1.08, Some 0.7), (ap.Absolute, ap.TableMean))
    Assert.Equal((3.66, Some 1.26), (miou.Absolute, miou.TableMean))
    Assert.StartsWith("Intel. Then: AMD.", ap.Justification)
    // A metric only the file has stays as it is.
    Assert.Equal<Tolerance list>(earlier |> List.filter (fun t -> t.Metric = "mIoU"), mergeTolerances earlier (amd |> List.filter (fun t -> t.Metric = "AP")) |> List.filter (fun t -> t.Metric = "mIoU"))

[<Fact>]
let ``snapshots round-trip through their file, bits included`` () =
    let path = System.IO.Path.Combine(TestPaths.tempDir (), "smoke", "results.json")
    let exact = { golden with Cells = [ cell "t" "rand" "S1" (1.0 / 3.0) ] }
    writeSnapshot path exact
    Assert.Equal(exact, readSnapshot path)
