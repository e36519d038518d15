module Repro.Harness.Tests.ScheduleCalibrationTests

open System
open System.IO
open Xunit
open Repro.Harness
open Repro.Harness.Domain
open Repro.Harness.RunKinds
open Repro.Harness.RunStore
open Repro.Harness.ScheduleTable
open Repro.Harness.ScheduleCalibration

let private tables () = PaperTables.loadAll TestPaths.paperTables
let private data () = PlanTests.dataAt "/data/mini"

let private cellAt (tableId: string) (row: string) (column: string) =
    let t = tables () |> List.find (fun t -> t.Id = tableId)
    Grid.cellOf t (t.Rows |> List.find (fun r -> r.Id = row)) (t.Columns |> List.find (fun c -> c.Id = column))

let private randS1 () = cellAt "pretraining-vs-augmentation" "rand" "S1"
let private randS4 () = cellAt "pretraining-vs-augmentation" "rand" "S4"
let private studentS1 () = cellAt "pretraining-vs-augmentation" "rand-st" "S1"

/// The default profile at small, round steps (S1 1,000, S4 2,000): the ladder's rules, not the miniature's schedules.
let private profile =
    { Profiles.defaultProfile with
        Steps = Profiles.defaultProfile.Steps.Add(AugmentLevel.S1, 1000).Add(AugmentLevel.S4, 2000)
        Ladder = { Factors = [ 0.5; 1.0; 2.0 ]; MinivalShare = 0.1; MaxFactor = 8.0; Tolerance = 0.0 } }

let private record (run: RunnableRun) (minival: float) =
    TestRecords.recordOf run Succeeded [ "minival_AP", minival; "minival_mIoU", minival; "AP", 0.0; "mIoU", 0.0 ] 1.0

/// Drives a calibration the way `sweep --calibrate` does, without training: each round "runs" every run the
/// calibration plans by recording `minivalOf cell steps` for it, until a round plans nothing new.
let private drive (p: Profiles.Profile) (cells: Cell list) (minivalOf: Cell -> int -> float) =
    let records = Collections.Generic.Dictionary<string, RunRecord>()
    let read (h: string) = match records.TryGetValue h with | true, r -> Some r | _ -> None
    let mutable rounds = 0
    let mutable planned = Set.empty
    let rec loop () =
        let c = calibrate p (data ()) "/results/runs" (Grid.schedules (tables ())) cells read
        // What a worker re-planning later must still find: every run planned before is planned again.
        let now = c.Runs |> List.map (fun r -> r.Hash) |> Set.ofList
        Assert.True(Set.isSubset planned now, "a later round dropped a run an earlier round planned")
        planned <- now
        let todo = runnable c.Runs |> List.filter (fun r -> not (records.ContainsKey r.Hash))
        if todo.IsEmpty then c
        else
            rounds <- rounds + 1
            for r in todo do
                let steps = int r.Kind.Steps
                let value = match r.Cells with cell :: _ -> minivalOf cell steps | [] -> 0.0
                records.[r.Hash] <- record r value
            loop ()
    let c = loop ()
    c, rounds

[<Fact>]
let ``a ladder whose best rung is its longest is extended by doublings until the best is bracketed`` () =
    // Peaks at 4,000 steps (4x the S1 schedule): 500/1,000/2,000 → best at the top → 4,000 → still the top → 8,000,
    // worse → settled at 4,000, bracketed.
    let peak = 4000.0
    let minival _ (steps: int) = 50.0 - abs (log (float steps / peak))
    let c, rounds = drive profile [ randS1 () ] minival
    let e = c.Entries |> List.exactlyOne
    Assert.Equal<int list>([ 500; 1000; 2000; 4000; 8000 ], e.Rungs |> List.map (fun r -> r.Steps))
    Assert.Equal(4000, e.Steps)
    Assert.Equal(Bracketed, e.Bracket)
    Assert.Equal(3, rounds)
    Assert.Empty c.Pending

[<Fact>]
let ``a ladder still rising at the longest rung allowed says so instead of claiming convergence`` () =
    let c, _ = drive profile [ randS4 () ] (fun _ steps -> float steps)
    let e = c.Entries |> List.exactlyOne
    // S4's 2,000 steps × MaxFactor 8 = 16,000 is as far as it may go.
    Assert.Equal(16000, e.Steps)
    Assert.Equal(16000, e.Rungs |> List.map (fun r -> r.Steps) |> List.max)
    Assert.Equal(AtLongestAllowed, e.Bracket)

[<Fact>]
let ``a ladder falling from its shortest rung is extended downwards to the shortest allowed`` () =
    let c, _ = drive profile [ randS1 () ] (fun _ steps -> -float steps)
    let e = c.Entries |> List.exactlyOne
    // 1,000 / 8 = 125 steps is the shortest rung allowed.
    Assert.Equal<int list>([ 125; 250; 500; 1000; 2000 ], e.Rungs |> List.map (fun r -> r.Steps))
    Assert.Equal(125, e.Steps)
    Assert.Equal(AtShortestAllowed, e.Bracket)

[<Fact>]
let ``a student's ladder starts from its teacher's chosen run, once that is settled`` () =
    let student = studentS1 ()
    // Teachers peak at 2,000 steps, students at 1,000.
    let minival (cell: Cell) (steps: int) = if cell.SelfTraining then -abs (float steps - 1000.0) else -abs (float steps - 2000.0)
    let c, rounds = drive profile [ student ] minival
    Assert.Equal<string list>([ (randS1 ()).Name; student.Name ], c.Entries |> List.map (fun e -> e.Cell))
    let teacher = c.Entries.[0]
    Assert.Equal(2000, teacher.Steps)
    let chosenTeacherRun = (teacher.Rungs |> List.find (fun r -> r.Steps = 2000)).Run
    let students = runnable c.Runs |> List.filter (fun r -> r.Serves student)
    Assert.NotEmpty students
    for s in students do
        match s.Kind with
        | StudentRun config -> Assert.Contains(chosenTeacherRun, config.InitialWeights)
        | _ -> failwithf "%s is not a student" s.Label
    Assert.Equal(1000, c.Entries.[1].Steps)
    // Round 1: the teacher's ladder (its best, 2,000, is its top) → round 2: 4,000 → round 3: the student's ladder.
    Assert.Equal(3, rounds)

[<Fact>]
let ``before its teacher settles a student is pending and plans no run`` () =
    let student = studentS1 ()
    let c = calibrate profile (data ()) "/results/runs" (Grid.schedules (tables ())) [ student ] (fun _ -> None)
    Assert.Empty c.Entries
    Assert.DoesNotContain(runnable c.Runs, fun r -> r.Serves student)
    let why = c.Pending |> List.find (fun (cell, _) -> cell = student) |> snd
    Assert.Contains("waits for its teacher's schedule", why)
    Assert.Equal("3 of 3 rungs not run yet", c.Pending |> List.find (fun (cell, _) -> cell = randS1 ()) |> snd)

[<Fact>]
let ``a profile trains each listed cell once per seed at the table's steps, its calibration seed's run being the calibration's own`` () =
    let c, _ = drive profile [ randS1 () ] (fun _ steps -> -abs (float steps - 2000.0) + (if steps = 4000 then -1.0 else 0.0))
    let table = tableOf profile c
    let e = table.TryFind(randS1 ()) |> Option.get
    let inScope, _ = Grid.scoped profile.Scope (tables ())
    let plan = Plan.planProfile profile (data ()) "/results/runs" (tables ()) (Some table)
    let runs = runnable plan |> List.filter (fun r -> r.Serves(randS1 ()))
    Assert.Equal<int list>(profile.Seeds, runs |> List.map (fun r -> r.Seed) |> List.sort)
    for r in runs do
        Assert.Equal(int64 e.Steps, r.Kind.Steps)
        Assert.DoesNotContain("ladder", r.Label)
        Assert.Equal(0.1, r.Spec.["config"].["Data"].["MinivalShare"].GetValue<float>())
    let seed0 = runs |> List.find (fun r -> r.Seed = 0)
    Assert.Equal((e.Rungs |> List.find (fun r -> r.Steps = e.Steps)).Run, seed0.Hash)
    // A cell the table does not list still climbs the ladder.
    let other = runnable plan |> List.filter (fun r -> r.Serves(randS4 ()) && r.Seed = 0)
    Assert.Equal(3, other.Length)
    Assert.True(inScope.Length > 1)

[<Fact>]
let ``a table is written and read back; a table for another profile, minival or cell, or with a step that is not its best, is refused naming the file`` () =
    let dir = Path.Combine(Path.GetTempPath(), sprintf "repro-schedules-%s" (Guid.NewGuid().ToString "N"))
    let path = Path.Combine(dir, "schedules.json")
    try
        let c, _ = drive profile [ randS1 () ] (fun _ steps -> -abs (float steps - 1000.0))
        let table = tableOf profile c
        write path table
        Assert.Equal(table, read path "default" 0 profile.Ladder)
        let refusedWith (t: ScheduleTable) (profileName: string) (seed: int) (share: float) (text: string) =
            write path t
            let e = Assert.Throws<InvalidDataException>(fun () -> read path profileName seed { profile.Ladder with MinivalShare = share } |> ignore)
            Assert.Contains(path, e.Message)
            Assert.Contains(text, e.Message)
        let refused t profileName share text = refusedWith t profileName 0 share text
        refusedWith table "default" 1 0.1 "calibrated with seed 0, but profile default's first seed is 1"
        refused table "full" 0.1 "calibrated for profile default, not full"
        refused table "default" 0.2 "minival share of 0.1"
        let e = table.Entries.Head
        refused { table with Entries = [ { e with Steps = 2000 } ] } "default" 0.1 "Steps 2000 is not the rung its ladder chooses"
        refused { table with Tolerance = 0.5 } "default" 0.1 "calibrated with a tolerance of 0.5, but profile default's ladder has 0"
        refused { table with Entries = [ { e with Steps = 3 } ] } "default" 0.1 "Steps 3 is none of its rungs"
        refused { table with Entries = [ e; e ] } "default" 0.1 "is listed twice"
        refused { table with Entries = [ { e with Steps = 0; Rungs = [ { e.Rungs.Head with Steps = 0 } ] } ] } "default" 0.1 "Steps 0 must be >= 1"
        File.WriteAllText(path, "{ \"Profile\": ")
        Assert.Contains(path, (Assert.Throws<InvalidDataException>(fun () -> read path "default" 0 profile.Ladder |> ignore)).Message)
        let checkRefuses (entries: Entry list) (text: string) =
            let ex = Assert.Throws<InvalidDataException>(fun () -> checkCells path (Grid.cells (tables ())) { table with Entries = entries })
            Assert.Contains(path, ex.Message)
            Assert.Contains(text, ex.Message)
        checkRefuses [ { e with Cell = "det nonexistent 100% S1" } ] "\"det nonexistent 100% S1\" is no cell a calibration settles"
        // An ablation row takes its base cell's entry; an entry of its own would never be read.
        let ablation = cellAt "loss-normalization" "standard" "S1"
        checkRefuses [ e; { e with Cell = ablation.Name } ] (sprintf "\"%s\" is no cell a calibration settles" ablation.Name)
        checkRefuses [ { e with Cell = (studentS1 ()).Name } ] "is listed without its teacher's cell"
        checkCells path (Grid.cells (tables ())) table
        Assert.Equal(None, tryRead (Path.Combine(dir, "absent.json")) "default" 0 profile.Ladder)
    finally
        if Directory.Exists dir then Directory.Delete(dir, true)

[<Fact>]
let ``a profile with a single-rung ladder has nothing to calibrate`` () =
    let e = Assert.Throws<ArgumentException>(fun () ->
        calibrate Profiles.smoke (data ()) "/results/runs" Map.empty [ randS1 () ] (fun _ -> None) |> ignore)
    Assert.Contains("profile smoke has a single-rung ladder", e.Message)

[<Fact>]
let ``a flat metric settles at the shorter of the tied rungs, flagged, without climbing down`` () =
    let c, rounds = drive profile [ randS1 () ] (fun _ _ -> 0.0)
    let e = c.Entries |> List.exactlyOne
    Assert.Equal<int list>([ 500; 1000; 2000 ], e.Rungs |> List.map (fun r -> r.Steps))
    Assert.Equal(500, e.Steps)
    Assert.Equal(Flat, e.Bracket)
    Assert.Equal(1, rounds)

[<Fact>]
let ``with a table, a compute-matched student's and an ablation row's runs are the calibrated ones`` () =
    // `full`'s set-up: teachers train twice the teacher cell's steps.
    let p = { profile with TeacherStepsFactor = 2; Scope = None }
    let student = studentS1 ()
    let c, _ = drive p [ student ] (fun cell steps -> if cell.SelfTraining then -abs (float steps - 2000.0) else -abs (float steps - 1000.0))
    let table = tableOf p c
    let studentEntry = table.TryFind student |> Option.get
    let plan = Plan.planProfile p (data ()) "/results/runs" (tables ()) (Some table)
    let seed0 = runnable plan |> List.find (fun r -> r.Serves student && r.Seed = 0)
    Assert.Equal((studentEntry.Rungs |> List.find (fun r -> r.Steps = studentEntry.Steps)).Run, seed0.Hash)
    // The loss-normalization ablation of that student trains as long as it does, from the same teacher.
    let ablation = cellAt "loss-normalization" "standard" "S1"
    Assert.Equal(Plan.scheduleCellOf ablation, student)
    let ablationRun = runnable plan |> List.find (fun r -> r.Serves ablation && r.Seed = 0)
    Assert.Equal(int64 studentEntry.Steps, ablationRun.Kind.Steps)
    match seed0.Kind, ablationRun.Kind with
    | StudentRun a, StudentRun b -> Assert.Equal(a.InitialWeights, b.InitialWeights)
    | _ -> failwith "not students"

[<Fact>]
let ``a blocked cell is pending with its reason instead of failing the calibration`` () =
    let noImages = { data () with Classification = None }
    let imagenet = cellAt "pretraining-vs-augmentation" "imagenet" "S1"
    let c = calibrate profile noImages "/results/runs" (Grid.schedules (tables ())) [ imagenet ] (fun _ -> None)
    Assert.Empty c.Entries
    Assert.Contains("blocked", c.Pending |> List.find (fun (cell, _) -> cell = imagenet) |> snd)

[<Fact>]
let ``with a tolerance, a ladder stops climbing where doubling gains less than it, and picks the shorter rung`` () =
    // Gains 10 points per doubling up to 4,000 steps, then 0.5: within a tolerance of 1, 8,000 is no better than
    // 4,000, so 4,000 is chosen and shown converged; without one, 8,000 is the best and the ladder climbs on.
    let minival _ (steps: int) = if steps <= 4000 then 10.0 * log (float steps / 250.0) / log 2.0 else 40.5
    let tolerant = { profile with Ladder = { profile.Ladder with Tolerance = 1.0 } }
    let c, rounds = drive tolerant [ randS1 () ] minival
    let e = c.Entries |> List.exactlyOne
    Assert.Equal<int list>([ 500; 1000; 2000; 4000; 8000 ], e.Rungs |> List.map (fun r -> r.Steps))
    Assert.Equal(4000, e.Steps)
    Assert.Equal(Flat, e.Bracket)
    Assert.Equal(3, rounds)
    let exact, _ = drive profile [ randS1 () ] minival
    let e0 = exact.Entries |> List.exactlyOne
    Assert.Equal(8000, e0.Steps)
    Assert.Equal(AtLongestAllowed, e0.Bracket)
    // The table written with the tolerance is read back only under the same ladder.
    let dir = Path.Combine(Path.GetTempPath(), sprintf "repro-schedules-%s" (Guid.NewGuid().ToString "N"))
    try
        let path = Path.Combine(dir, "schedules.json")
        write path (tableOf tolerant c)
        Assert.Equal(4000, (read path "default" 0 tolerant.Ladder).Entries.Head.Steps)
        Assert.Contains("tolerance of 1", (Assert.Throws<InvalidDataException>(fun () -> read path "default" 0 profile.Ladder |> ignore)).Message)
    finally
        if Directory.Exists dir then Directory.Delete(dir, true)

[<Fact>]
let ``a ladder's choice is the shortest rung within its tolerance of the best`` () =
    let rungs = [ 2000L, 51.5; 500L, 50.0; 1000L, 51.0 ]
    let choose tolerance = fst ({ profile.Ladder with Tolerance = tolerance }.Choose(fst, snd) rungs)
    Assert.Equal(2000L, choose 0.0)
    Assert.Equal(1000L, choose 0.5)
    Assert.Equal(1000L, choose 1.0)
    Assert.Equal(500L, choose 1.5)
    // Exact ties go to the shorter rung without a tolerance too.
    Assert.Equal(500L, fst (profile.Ladder.Choose(fst, snd) [ 1000L, 3.0; 500L, 3.0 ]))
