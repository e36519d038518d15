module Repro.Harness.Tests.GoldenTests

open Xunit
open Repro.Harness
open Repro.Harness.Golden

let cell table row column mean = { Table = table; Row = row; Column = column; Metric = "AP"; Mean = mean; N = 1 }
let tolerances = [ { Metric = "AP"; Absolute = 0.5; Justification = "test" } ]
let golden = { Profile = "smoke"; Cells = [ cell "t" "rand" "S1" 20.0; cell "t" "rand" "S4" 25.0 ] }

[<Fact>]
let ``unchanged and within-tolerance results pass`` () =
    let fresh = { golden with Cells = [ cell "t" "rand" "S1" 20.4; cell "t" "rand" "S4" 24.5 ] }
    let result = compare tolerances golden fresh
    Assert.True(passed result)
    Assert.StartsWith("2 cells within tolerance, 0 moved, 0 missing, 0 new", diffReport result)

[<Fact>]
let ``a perturbed result fails with a readable diff`` () =
    let fresh = { golden with Cells = [ cell "t" "rand" "S1" 20.0; cell "t" "rand" "S4" 26.3 ] }
    let result = compare tolerances golden fresh
    Assert.False(passed result)
    let report = diffReport result
    Assert.Contains("1 cells within tolerance, 1 moved", report)
    Assert.Matches(@"t/rand/S4\s+25\.00\s+26\.30\s+\+1\.30\s+0\.50\s+Moved", report)

[<Fact>]
let ``a cell no longer measured fails, a new one does not`` () =
    let fresh = { golden with Cells = [ cell "t" "rand" "S1" 20.0; cell "t" "imagenet" "S1" 30.0 ] }
    let result = compare tolerances golden fresh
    Assert.False(passed result)
    Assert.Contains(result, fun c -> c.Cell = "t/rand/S4" && c.Verdict = Missing)
    Assert.Contains(result, fun c -> c.Cell = "t/imagenet/S1" && c.Verdict = New)
    Assert.True(passed (compare tolerances golden { golden with Cells = golden.Cells @ [ cell "t" "x" "y" 1.0 ] }))

[<Fact>]
let ``snapshots round-trip through their file`` () =
    let path = System.IO.Path.Combine(TestPaths.tempDir (), "smoke", "results.json")
    writeSnapshot path golden
    Assert.Equal(golden, readSnapshot path)
