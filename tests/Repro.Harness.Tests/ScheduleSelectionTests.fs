module Repro.Harness.Tests.ScheduleSelectionTests

open System
open Xunit
open Repro.Harness
open Repro.Harness.Domain
open Repro.Harness.DataSources
open Repro.Harness.RunKinds
open Repro.Harness.Plan
open Repro.Harness.RunStore
open Repro.Harness.ScheduleSelection

let private tables () = PaperTables.loadAll TestPaths.paperTables

let private cellAt (tableId: string) (row: string) (column: string) =
    let t = tables () |> List.find (fun t -> t.Id = tableId)
    Grid.cellOf t (t.Rows |> List.find (fun r -> r.Id = row)) (t.Columns |> List.find (fun c -> c.Id = column))

let private planOf (profile: Profiles.Profile) =
    let inScope, _ = Grid.scoped profile.Scope (tables ())
    Plan.plan profile (PlanTests.dataAt "/data/mini") "/results/runs" (Plan.scheduleOf profile (Grid.schedules (tables ())) None) inScope

let private recordOf (run: RunnableRun) (status: RunStatus) (metrics: (string * float) list) = TestRecords.recordOf run status metrics 1.0

/// The default profile with its S1 schedule pinned at 2,000 steps: these tests are about the ladder, not about the
/// schedule calibration chose.
let private ladderProfile =
    { Profiles.defaultProfile with Steps = Profiles.defaultProfile.Steps.Add(AugmentLevel.S1, 2000); Scope = None }

/// The ladder's rule without a tolerance: the best rung, exact ties going to the shorter.
let private ladder = { ladderProfile.Ladder with Tolerance = 0.0 }

/// Rand Init at S1 and its seed-0 rungs.
let private randS1 () =
    let plan = planOf ladderProfile
    let cell = cellAt "pretraining-vs-augmentation" "rand" "S1"
    let rungs = runnable plan |> List.filter (fun r -> r.Serves cell && r.Seed = 0) |> List.sortBy (fun r -> r.Kind.Steps)
    plan, cell, rungs

[<Fact>]
let ``a ladder cell trains once per rung on train less the minival, each rung named by its steps`` () =
    let _, _, rungs = randS1 ()
    Assert.Equal<int64 list>([ 1000L; 2000L; 4000L ], rungs |> List.map (fun r -> r.Kind.Steps))
    for r in rungs do
        Assert.Contains(sprintf "(ladder: %d steps)" r.Kind.Steps, r.Label)
        Assert.Equal(0.1, r.Spec.["config"].["Data"].["MinivalShare"].GetValue<float>())
    Assert.Equal(3, rungs |> List.map (fun r -> r.Hash) |> List.distinct |> List.length)

[<Fact>]
let ``a profile without a ladder holds nothing out and leaves run names as they were`` () =
    let plan = planOf Profiles.smoke
    let detection = runnable plan |> List.filter (fun r -> match r.Kind with DetectionRun _ -> true | _ -> false)
    Assert.NotEmpty detection
    for r in detection do
        Assert.DoesNotContain("MinivalShare", r.Spec.ToJsonString())
        Assert.DoesNotContain("ladder", r.Label)

[<Fact>]
let ``a ladder's student rungs share one teacher, at the cell's own schedule, and all start from it`` () =
    let plan = planOf ladderProfile
    let cell = cellAt "pretraining-vs-augmentation" "rand-st" "S1"
    let students = runnable plan |> List.filter (fun r -> r.Serves cell && r.Seed = 0)
    Assert.Equal(3, students.Length)
    let teachers =
        students |> List.map (fun r ->
            match r.Kind with
            | StudentRun c -> c.InitialWeights
            | _ -> failwithf "%s is not a student" r.Label)
        |> List.distinct
    Assert.Equal(1, teachers.Length)
    // The teacher is the supervised cell's 1x rung (TeacherStepsFactor 1 in the default profile).
    let _, _, supervisedRungs = randS1 ()
    Assert.Contains(supervisedRungs.[1].Hash, teachers.Head)

[<Fact>]
let ``the ladder picks the rung with the best minival AP, not the best val AP`` () =
    let plan, cell, rungs = randS1 ()
    // Built so that minival and val disagree: minival's best is the middle rung, val's the shortest.
    let records =
        List.zip rungs [ (10.0, 15.0); (14.0, 11.0); (12.0, 13.0) ]
        |> List.map (fun (r, (minival, v)) -> r.Hash, recordOf r Succeeded [ selectionMetricOf cell, minival; "AP", v ])
        |> Map.ofList
    let chosen = recordsOf ladder records.TryFind cell plan
    Assert.Equal<string list>([ rungs.[1].Hash ], chosen |> List.map (fun r -> r.Hash))
    // The table shows the chosen rung's val AP.
    let t = tables () |> List.find (fun t -> t.Id = "pretraining-vs-augmentation")
    let result = Tables.compute 0.95 (fun c -> recordsOf ladder records.TryFind c plan) t
    Assert.Equal("11.0 (n=1)", Tables.formatOurs (result.Get("rand", "S1")))
    let choice = choicesOf ladder records.TryFind cell plan |> List.find (fun c -> c.Seed = 0)
    Assert.Equal(Some 2000L, choice.Chosen |> Option.map (fun r -> r.Steps))
    let md = toMarkdown [ choice ]
    Assert.Contains("1000 → 10.00 (15.00); 2000 → 14.00 (11.00); 4000 → 12.00 (13.00) | 2000 steps |", md)

[<Fact>]
let ``a tie goes to the shorter schedule; an unfinished ladder chooses nothing; a failed rung shows as the failure`` () =
    let plan, cell, rungs = randS1 ()
    let withRecords (rs: (RunnableRun * RunRecord) list) = rs |> List.map (fun (r, x) -> r.Hash, x) |> Map.ofList
    let tie = withRecords [ for r in rungs -> r, recordOf r Succeeded [ selectionMetricOf cell, 12.0; "AP", float r.Kind.Steps ] ]
    Assert.Equal<string list>([ rungs.[0].Hash ], recordsOf ladder tie.TryFind cell plan |> List.map (fun r -> r.Hash))

    let unfinished = withRecords [ for r in rungs.[0..1] -> r, recordOf r Succeeded [ selectionMetricOf cell, 12.0; "AP", 1.0 ] ]
    Assert.Empty(recordsOf ladder unfinished.TryFind cell plan)
    Assert.Equal(Some "1 of 3 rungs not run yet", (choicesOf ladder unfinished.TryFind cell plan |> List.find (fun c -> c.Seed = 0)).Pending)

    let failed =
        withRecords [ rungs.[0], recordOf rungs.[0] Succeeded [ selectionMetricOf cell, 30.0; "AP", 30.0 ]
                      rungs.[1], recordOf rungs.[1] Failed []
                      rungs.[2], recordOf rungs.[2] Succeeded [ selectionMetricOf cell, 12.0; "AP", 1.0 ] ]
    let shown = recordsOf ladder failed.TryFind cell plan
    Assert.Equal<RunStatus list>([ Failed ], shown |> List.map (fun r -> r.Status))
    Assert.Equal(Some "the 2000-step rung failed", (choicesOf ladder failed.TryFind cell plan |> List.find (fun c -> c.Seed = 0)).Pending)

[<Fact>]
let ``a ladder that cannot select, or holds data out for nothing, is refused naming the profile`` () =
    let noMinival = { Profiles.defaultProfile with Ladder = { Factors = [ 0.5; 1.0 ]; MinivalShare = 0.0; MaxFactor = 1.0; Tolerance = 0.0 } }
    let e = Assert.Throws<ArgumentException>(fun () -> planOf noMinival |> ignore)
    Assert.Contains("profile default", e.Message)
    Assert.Contains("MinivalShare", e.Message)
    let wasted = { Profiles.smoke with Ladder = { Factors = [ 1.0 ]; MinivalShare = 0.1; MaxFactor = 1.0; Tolerance = 0.0 } }
    Assert.Contains("selects nothing", (Assert.Throws<ArgumentException>(fun () -> planOf wasted |> ignore)).Message)
    let empty = { Profiles.smoke with Ladder = { Factors = []; MinivalShare = 0.0; MaxFactor = 1.0; Tolerance = 0.0 } }
    Assert.Contains("Ladder.Factors is empty", (Assert.Throws<ArgumentException>(fun () -> planOf empty |> ignore)).Message)

[<Fact>]
let ``a segmentation cell climbs the same ladder, judged by minival mIoU`` () =
    let plan = planOf { Profiles.defaultProfile with Scope = None }
    let cell = cellAt "segmentation-init" "rand" "S1"
    let rungs = runnable plan |> List.filter (fun r -> r.Serves cell && r.Seed = 0) |> List.sortBy (fun r -> r.Kind.Steps)
    Assert.Equal<int64 list>([ 1000L; 2000L; 4000L ], rungs |> List.map (fun r -> r.Kind.Steps))
    for r in rungs do
        Assert.Equal(0.1, r.Spec.["config"].["Data"].["MinivalShare"].GetValue<float>())
    Assert.Equal("minival_mIoU", selectionMetricOf cell)
    let records =
        List.zip rungs [ (20.0, 30.0); (25.0, 22.0); (24.0, 28.0) ]
        |> List.map (fun (r, (minival, v)) -> r.Hash, recordOf r Succeeded [ "minival_mIoU", minival; "mIoU", v ])
        |> Map.ofList
    Assert.Equal<string list>([ rungs.[1].Hash ], recordsOf ladder records.TryFind cell plan |> List.map (fun r -> r.Hash))
    let md = toMarkdown [ choicesOf ladder records.TryFind cell plan |> List.find (fun c -> c.Seed = 0) ]
    Assert.Contains("2000 → 25.00 (22.00)", md)
