module Repro.Harness.Tests.PlanEstimateTests

open Xunit
open Repro.Harness
open Repro.Harness.RunKinds
open Repro.Harness.RunStore

[<Fact>]
let ``the wall time on workers is the greedy schedule's longest queue`` () =
    // Worked by hand: 2 workers take 3 and 3, then 2 and 2 → both end at 5; one worker takes the sum.
    Assert.Equal(5.0, PlanEstimate.wallSeconds 2 [ 3.0; 3.0; 2.0; 2.0 ])
    Assert.Equal(10.0, PlanEstimate.wallSeconds 1 [ 3.0; 3.0; 2.0; 2.0 ])
    // In order: 1 → w1, 1 → w2, 8 → w1 (9), 1 → w2 (2): 9, not the 8 a perfect split of the 11 would allow.
    Assert.Equal(9.0, PlanEstimate.wallSeconds 2 [ 1.0; 1.0; 8.0; 1.0 ])
    Assert.Equal(10.0, PlanEstimate.wallSeconds 4 [ 10.0 ])
    Assert.Equal(0.0, PlanEstimate.wallSeconds 2 [])

[<Fact>]
let ``the estimate check compares the recorded successful runs' wall time with their estimates`` () =
    let runs =
        PlanTests.dataAt "/data/mini" |> fun data ->
            let tables = PaperTables.loadAll TestPaths.paperTables
            let inScope, _ = Grid.scoped Profiles.smoke.Scope tables
            Plan.plan Profiles.smoke data "/results/runs" (Plan.scheduleOf Profiles.smoke (Grid.schedules tables) None) inScope
    let rs = runnable runs
    let a, b, c = rs.[0], rs.[1], rs.[2]
    let record (r: RunnableRun) status wall = TestRecords.recordOf r status [] wall
    let records = Map [ a.Hash, record a Succeeded (2.0 * a.EstimatedSeconds); b.Hash, record b Succeeded (2.0 * b.EstimatedSeconds); c.Hash, record c Failed 1e6 ]
    let check = PlanEstimate.check records.TryFind runs
    Assert.Equal(2, check.Runs)
    Assert.Equal(a.EstimatedSeconds + b.EstimatedSeconds, check.EstimatedSeconds, 9)
    Assert.Equal(2.0, check.Ratio, 9)
