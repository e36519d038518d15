module Repro.Harness.Tests.PlanTests

open System.IO
open Xunit
open Repro.Core.Data.Miniature
open Repro.Core.Experiments
open Repro.Harness
open Repro.Harness.Domain
open Repro.Harness.DataSources
open Repro.Harness.RunKinds
open Repro.Harness.Plan

/// Resolved miniature data without generating it: planning only builds configs, it reads no file.
let dataAt (root: string) =
    let m =
        MiniatureManifest(
            Root = root, ContentHash = "c0ffee",
            DetectionCategories = System.Collections.Generic.List<string>([ for i in 1..8 -> sprintf "c%d" i ]),
            SegmentationClasses = System.Collections.Generic.List<string>([ for i in 0..8 -> sprintf "s%d" i ]))
    { Detection =
        DetectionDataConfig(
            TrainImages = m.DetectionTrainImages, TrainAnnotations = m.DetectionTrainAnnotations,
            ValImages = m.DetectionValImages, ValAnnotations = m.DetectionValAnnotations)
      NumClasses = 8
      Miniature = Some m
      Classification = Some { TrainRoot = m.ClassificationTrain; ValRoot = m.ClassificationVal; ImageSize = 32 }
      UnlabeledImages = Some m.UnlabeledImages
      Roots = [ Path.GetFullPath root, "data:" ]
      Identity = "miniature:c0ffee"
      Description = "test" }

let private tables () = PaperTables.loadAll TestPaths.paperTables
let private cells () = Grid.cells (tables ())
let private schedules () = Grid.schedules (tables ())

/// The smoke scale over the whole grid, with compute-matched teachers (2x steps, as `full`), so that every kind of
/// run and edge of the plan appears.
let private gridProfile = { Profiles.smoke with Scope = None; TeacherStepsFactor = 2 }

let private planWith (profile: Profiles.Profile) (data: ResolvedData) (runsRoot: string) =
    Plan.plan profile data runsRoot (Plan.scheduleOf profile (schedules ()) None) (cells ())

let private planAt (dataRoot: string) (runsRoot: string) = planWith gridProfile (dataAt dataRoot) runsRoot

/// A runnable run for tests of the dependency graph alone (workers, Slurm arrays): `requires` are its
/// prerequisites' hashes, the run it executes does not matter.
let graphRun (hash: string) (requires: string list) (estimate: float) : RunnableRun =
    { Hash = hash; Label = "label of " + hash; Cells = []; Seed = 0
      Kind = DetectionRun(Repro.Core.Experiments.DetectionExperimentConfig()); Spec = System.Text.Json.Nodes.JsonObject()
      // One edge of each role at most, as the planner makes them.
      Requires = List.zip (List.truncate requires.Length [ Teacher; PseudoLabels; Backbone ]) requires |> List.map (fun (role, h) -> { Role = role; Hash = h })
      EstimatedSeconds = estimate }

let private entry (name: string) (runs: PlannedRun list) =
    runs |> List.find (fun r -> r.Cells |> List.exists (fun c -> c.Name = name))

/// The runnable run of the cell named `name` (a test failure where it is blocked).
let private cell (name: string) (runs: PlannedRun list) =
    match entry name runs with
    | Runnable r -> r
    | Blocked b -> failwithf "%s is blocked: %s" name b.Why

let private blockedWhy (name: string) (runs: PlannedRun list) =
    match entry name runs with
    | Blocked b -> b.Why
    | Runnable r -> failwithf "%s is runnable" r.Label

let private byHashOf (runs: PlannedRun list) = runnable runs |> List.map (fun r -> r.Hash, r) |> Map.ofList

/// The run `r` requires as `role`.
let private required (role: Role) (byHash: Map<string, RunnableRun>) (r: RunnableRun) =
    match r.Required role with
    | Some h -> byHash.[h]
    | None -> failwithf "%s requires no %A" r.Label role

[<Fact>]
let ``every prerequisite comes before its first user and exists in the plan`` () =
    let runs = planAt "/data/mini" "/results/runs"
    let position = runs |> List.mapi (fun i r -> r.Hash, i) |> Map.ofList
    for r in runs do
        for h in r.RequiredHashes do
            Assert.True(position.ContainsKey h, sprintf "%s requires %s, which is not planned" r.Label h)
            Assert.True(position.[h] < position.[r.Hash], sprintf "%s comes before its prerequisite %s" r.Label h)
    // Each hash is planned once.
    Assert.Equal(runs.Length, (runs |> List.distinctBy (fun r -> r.Hash)).Length)

[<Fact>]
let ``every edge of the plan names what its run reads: backbones from pre-training, pseudo labels, teachers that trained`` () =
    for profile in [ gridProfile; Profiles.smoke; Profiles.defaultProfile ] do
        let runs = planWith profile (dataAt "/data/mini") "/results/runs"
        let byHash = byHashOf runs
        for r in runnable runs do
            // At most one edge of each role.
            Assert.Equal(r.Requires.Length, (r.Requires |> List.distinctBy (fun p -> p.Role)).Length)
            for p in r.Requires do
                let fits =
                    match p.Role, byHash.[p.Hash].Kind with
                    | Backbone, PretrainingRun _ -> true
                    | PseudoLabels, (PseudoLabelRun _ | SegmentationPseudoLabelRun _) -> true
                    | Teacher, (DetectionRun _ | SegmentationRun _) -> true
                    // Noisy Student's teacher is the ImageNet classifier.
                    | Teacher, PretrainingRun c -> c.Kind = PretrainingMethod.Supervised
                    | _ -> false
                Assert.True(fits, sprintf "%s: its %A edge points at %s" r.Label p.Role byHash.[p.Hash].Label)

[<Fact>]
let ``every profile schedules every augmentation level, and each cell's run trains at its level's preset`` () =
    for p in [ Profiles.smoke; Profiles.defaultProfile; Profiles.full; Profiles.paper "/coco" None None "cpu" ] do
        for level in System.Enum.GetValues<AugmentLevel>() do
            Assert.True(p.Steps.[level] > 0, sprintf "profile %s: %O" p.Name level)
    for r in runnable (planAt "/data/mini" "/results/runs") do
        match r.Kind, r.Cells with
        | DetectionRun c, cell :: _ ->
            Assert.Equal(Repro.Core.Augment.AugmentConfig.ForLevel(cell.Augment, gridProfile.ImageSize), c.Augment)
            Assert.Equal(int64 gridProfile.Steps.[cell.Augment], c.Trainer.TotalSteps)
        | _ -> ()

[<Fact>]
let ``a schedule given to the planner sets a cell's steps and its teacher's, never pre-training's`` () =
    // As `train --steps 12` gives it: the profile stays as it is.
    let student = Grid.cells (tables ()) |> List.find (fun c -> c.Name = "det efficientnet-b7 imagenet 20% S4 +ST")
    let given (c: Cell) = { Plan.scheduleOf gridProfile Map.empty None c with Steps = 12; Rungs = [ 12 ]; Source = "--steps" }
    let runs = Plan.plan gridProfile (dataAt "/data/mini") "/results/runs" given [ student ]
    let steps kind = runnable runs |> List.filter (fun r -> r.Kind.Id = kind) |> List.map (fun r -> r.Kind.Steps)
    Assert.Equal<int64 list>([ 12L ], steps "self-training")
    Assert.Equal<int64 list>([ 24L ], steps "detection")
    Assert.Equal<int64 list>([ int64 gridProfile.Pretraining.Steps ], steps "pretraining")

[<Fact>]
let ``a student stands on pseudo labels of a teacher trained twice as long with the same init`` () =
    let runs = planAt "/data/mini" "/results/runs"
    let byHash = byHashOf runs
    let student = cell "det efficientnet-b7 imagenet 20% S4 +ST" runs
    let config = match student.Kind with StudentRun c -> c | other -> failwithf "not a student: %A" other
    let pseudo = required PseudoLabels byHash student
    let pseudoConfig = match pseudo.Kind with PseudoLabelRun(c, _) -> c | other -> failwithf "not pseudo labels: %A" other
    let teacher = required Teacher byHash pseudo
    let teacherConfig = match teacher.Kind with DetectionRun c -> c | other -> failwithf "not a detection run: %A" other
    // The student reads the pseudo-label run's file and the teacher run's weights, through their run folders.
    Assert.Equal(Path.Combine("/results/runs", pseudo.Hash, "pseudo_labels.json"), config.PseudoAnnotations)
    Assert.Equal(Path.Combine("/results/runs", teacher.Hash, "train", "final.weights"), pseudoConfig.TeacherWeights)
    Assert.Equal(Profiles.smoke.PseudoLabelThreshold, pseudoConfig.ScoreThreshold)
    // Teacher: same init (the same pre-trained backbone), data and augmentation; 2x the student's steps.
    Assert.Equal(2L * config.Student.Trainer.TotalSteps, teacherConfig.Trainer.TotalSteps)
    Assert.Equal(config.Student.BackboneWeights, teacherConfig.BackboneWeights)
    Assert.Equal(config.Student.Data.Fraction, teacherConfig.Data.Fraction)
    Assert.Equal(config.Student.Augment, teacherConfig.Augment)
    Assert.Equal(config.Student.BatchSize, config.PseudoBatchSize)
    Assert.True(config.LossNormalization)
    // The ablation cell differs only in loss normalization, and shares the teacher and pseudo labels.
    let plain = cell "det efficientnet-b7 rand 100% S4 +ST (no loss norm)" runs
    let normalized = cell "det efficientnet-b7 rand 100% S4 +ST" runs
    Assert.Equal<Prerequisite list>(normalized.Requires, plain.Requires)
    match plain.Kind, normalized.Kind with
    | StudentRun c, StudentRun n ->
        Assert.False(c.LossNormalization)
        // The ablation keeps the method's α and steps (L_h + α·L_p at the same schedule).
        Assert.Equal(n.Alpha, c.Alpha)
        Assert.Equal(n.Student.Trainer.TotalSteps, c.Student.Trainer.TotalSteps)
    | other -> failwithf "not students: %A" other
    // The paper's method: the student starts from its teacher's final weights.
    Assert.Equal(Path.Combine("/results/runs", teacher.Hash, "train", "final.weights"), config.InitialWeights)

[<Fact>]
let ``with the paper's setup the teacher is the supervised cell and the student starts from its weights`` () =
    let runs = planWith Profiles.smoke (dataAt "/data/mini") "/results/runs"
    let byHash = byHashOf runs
    let student = cell "det efficientnet-b7 rand 100% S1 +ST" runs
    let config = match student.Kind with StudentRun c -> c | other -> failwithf "not a student: %A" other
    let teacher = required Teacher byHash (required PseudoLabels byHash student)
    Assert.Equal(cell "det efficientnet-b7 rand 100% S1" runs, teacher)
    Assert.Equal(Path.Combine("/results/runs", teacher.Hash, "train", "final.weights"), config.InitialWeights)
    Assert.Equal(Some teacher.Hash, student.Required Teacher)

[<Fact>]
let ``a segmentation student starts from its teacher's weights and pseudo-labels with them`` () =
    let runs = planWith Profiles.smoke (dataAt "/data/mini") "/results/runs"
    let byHash = byHashOf runs
    let student = runnable runs |> List.find (fun r -> r.Cells |> List.exists (fun c -> c.Task = Segmentation && c.SelfTraining))
    let config = match student.Kind with SegmentationRun c -> c | other -> failwithf "not segmentation: %A" other
    let pseudo = required PseudoLabels byHash student
    let teacher = required Teacher byHash pseudo
    let weights = Path.Combine("/results/runs", teacher.Hash, "model.weights")
    match pseudo.Kind with
    | SegmentationPseudoLabelRun p -> Assert.Equal(weights, p.TeacherWeights)
    | other -> failwithf "not pseudo masks: %A" other
    Assert.Equal(weights, config.InitialWeights)
    Assert.Equal(Some teacher.Hash, student.Required Teacher)
    // The teacher is a supervised run: it starts from the row's init only.
    match teacher.Kind with
    | SegmentationRun t -> Assert.Null(t.InitialWeights); Assert.Null(t.PseudoMasksRoot)
    | other -> failwithf "not segmentation: %A" other

[<Fact>]
let ``pre-trained inits load the backbone their pre-training run writes; ImageNet++ starts from ImageNet's classifier`` () =
    let runs = planAt "/data/mini" "/results/runs"
    let byHash = byHashOf runs
    let run = cell "det efficientnet-b7 imagenet++ 20% S4" runs
    let config = match run.Kind with DetectionRun c -> c | other -> failwithf "not detection: %A" other
    let pre = required Backbone byHash run
    let preConfig = match pre.Kind with PretrainingRun c -> c | other -> failwithf "not pre-training: %A" other
    Assert.Equal(PretrainingMethod.NoisyStudent, preConfig.Kind)
    Assert.Equal(Path.Combine("/results/runs", pre.Hash, "backbone.weights"), config.BackboneWeights)
    Assert.Equal(config.Detector.Backbone, preConfig.Backbone)
    let supervised = required Teacher byHash pre
    let ns = match preConfig.Method with :? NoisyStudentPretraining as ns -> ns | other -> failwithf "not Noisy Student: %A" other
    Assert.Equal(Path.Combine("/results/runs", supervised.Hash, "classifier.weights"), ns.TeacherClassifierWeights)
    match supervised.Kind with
    | PretrainingRun c -> Assert.Equal(PretrainingMethod.Supervised, c.Kind)
    | other -> failwithf "not pre-training: %A" other
    // Rand Init loads nothing and needs nothing.
    let rand = cell "det efficientnet-b7 rand 20% S4" runs
    Assert.Empty(rand.Requires)
    match rand.Kind with
    | DetectionRun c -> Assert.Null(c.BackboneWeights)
    | other -> failwithf "not detection: %A" other

[<Fact>]
let ``run names do not depend on where the data or the results folder live`` () =
    let a = planAt "/data/mini" "/results/runs" |> List.map (fun r -> r.Hash)
    let b = planAt "/elsewhere/cache/mini" "/tmp/other/runs" |> List.map (fun r -> r.Hash)
    Assert.Equal<string list>(a, b)
    // A relative results folder (the command line's default) names runs the same way too.
    let c = planAt "/data/mini" (Path.Combine("results", "smoke", "runs")) |> List.map (fun r -> r.Hash)
    Assert.Equal<string list>(a, c)
    // ... while the spec keeps the symbolic path, so a record still says which prerequisite it read.
    let runs = planAt "/data/mini" "/results/runs"
    let student = cell "det efficientnet-b7 rand 100% S4 +ST" runs
    let text = student.Spec.ToJsonString()
    Assert.Contains(sprintf "run:/%s/pseudo_labels.json" (student.Required PseudoLabels).Value, text)
    Assert.DoesNotContain("/results/runs", text)

[<Fact>]
let ``execution settings rename no run and an optimization setting renames every run that trains`` () =
    let hashes profile = planWith profile (dataAt "/data/mini") "/results/runs" |> List.map (fun r -> r.Hash)
    let a = hashes gridProfile
    // Threads and device change a run's speed, not its result.
    Assert.Equal<string list>(a, hashes { gridProfile with Threads = 1; Device = "cuda:1" })
    // The learning rate is part of every detection and segmentation run's trajectory (and of everything downstream).
    let trained profile = planWith profile (dataAt "/data/mini") "/results/runs" |> runnable |> List.filter (fun r -> r.Kind.Steps > 0L)
    let before = trained gridProfile |> List.filter (fun r -> match r.Kind with PretrainingRun _ -> false | _ -> true)
    let after = trained { gridProfile with LearningRate = gridProfile.LearningRate * 2.0 } |> List.map (fun r -> r.Hash) |> Set.ofList
    Assert.NotEmpty(before)
    for r in before do Assert.False(after.Contains r.Hash, sprintf "%s kept its name under another learning rate" r.Label)

[<Fact>]
let ``only keeps the matching runs and everything they stand on`` () =
    let runs = planAt "/data/mini" "/results/runs"
    let picked = Plan.only [ "imagenet++ 20% S4 +ST" ] runs
    // Student, its pseudo labels and teacher, and both pre-training runs behind ImageNet++.
    Assert.Equal(5, picked.Length)
    Assert.Equal(1, picked |> List.filter (fun r -> not r.Cells.IsEmpty) |> List.length)
    let hashes = picked |> List.map (fun r -> r.Hash) |> Set.ofList
    for r in picked do for h in r.RequiredHashes do Assert.Contains(h, hashes)
    // Several texts: the union, each prerequisite once.
    let both = Plan.only [ "imagenet++ 20% S4 +ST"; "rand 20% S4 seed" ] runs
    let rand = runs |> List.filter (fun r -> r.Label.Contains "rand 20% S4 seed")
    Assert.NotEmpty(rand)
    Assert.Equal(picked.Length + rand.Length, both.Length)

[<Fact>]
let ``w/ All is a joint self-training student of the ImageNet teacher's pseudo labels`` () =
    let runs = planAt "/data/mini" "/results/runs"
    Assert.Equal(runs.Length, (runnable runs).Length)
    let all = cell "det efficientnet-b7 imagenet 20% S4 +ST +joint" runs
    let st = cell "det efficientnet-b7 imagenet 20% S4 +ST" runs
    match all.Kind, st.Kind with
    | JointStudentRun j, StudentRun s ->
        // The same student and pseudo labels as the ImageNet self-training cell, plus the classification side.
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize s, System.Text.Json.JsonSerializer.Serialize j.SelfTraining)
        // Appendix H: 0.2 beside self-training (0.5 for joint training alone).
        Assert.Equal(0.2, j.Classification.Weight)
    | other -> failwithf "unexpected kinds %A" other
    Assert.Equal<Prerequisite list>(st.Requires, all.Requires)
    Assert.NotEqual<string>(st.Hash, all.Hash)

[<Fact>]
let ``cells outside a profile's scope are planned once each, blocked with the reason, and never run`` () =
    let profile = { Profiles.smoke with Scope = Some [ { Table = "segmentation-init"; Rows = [ "rand" ]; Columns = [ "S1" ] } ] }
    let runs = Plan.planProfile profile (dataAt "/data/mini") "/results/runs" (tables ()) None
    let runnable = runnable runs
    // The label names the backbone that trains and the paper's it stands in for.
    Assert.Equal<string list>([ "seg resnet-mini (for efficientnet-b7) rand train S1 seed 0" ], runnable |> List.map (fun r -> r.Label))
    // --only still finds it by the paper's cell name.
    Assert.Equal<string list>([ runnable.Head.Hash ], Plan.only [ "seg efficientnet-b7 rand train S1" ] runs |> List.map (fun r -> r.Hash))
    Assert.Equal<string list>([ runnable.Head.Hash ], Plan.only [ "seg efficientnet-b7 rand train S1 seed 0" ] runs |> List.map (fun r -> r.Hash))
    let outOfScope = runs |> List.choose (function Blocked b when b.Why.Contains "not in profile smoke" -> Some b | _ -> None)
    Assert.Equal((cells ()).Length - 1, outOfScope.Length)
    Assert.Equal(runs.Length, runnable.Length + outOfScope.Length)
    Assert.Equal(runs.Length, (runs |> List.distinctBy (fun r -> r.Hash)).Length)

[<Fact>]
let ``with a teacher factor of 1 the teacher is the supervised cell's own run`` () =
    let profile = { Profiles.smoke with TeacherStepsFactor = 1 }
    let runs = planWith profile (dataAt "/data/mini") "/results/runs"
    let student = cell "det efficientnet-b7 rand 100% S4 +ST" runs
    let pseudo = required PseudoLabels (byHashOf runs) student
    let supervised = cell "det efficientnet-b7 rand 100% S4" runs
    Assert.Equal<Prerequisite list>([ { Role = Teacher; Hash = supervised.Hash } ], pseudo.Requires)

/// A COCO 2017 root with empty image folders and category-only annotation files, and optionally an ImageNet root.
let private realRoots (withImagenet: bool) (withUnlabeled: bool) =
    let root = TestPaths.tempDir ()
    let coco = Path.Combine(root, "coco")
    for d in [ "train2017"; "val2017"; "annotations" ] @ (if withUnlabeled then [ "unlabeled2017" ] else []) do
        Directory.CreateDirectory(Path.Combine(coco, d)) |> ignore
    let categories = """{"images":[],"annotations":[],"categories":[{"id":1,"name":"x"},{"id":2,"name":"y"}]}"""
    File.WriteAllText(Path.Combine(coco, "annotations", "instances_train2017.json"), categories)
    File.WriteAllText(Path.Combine(coco, "annotations", "instances_val2017.json"), categories)
    let imagenet = Path.Combine(root, "imagenet")
    if withImagenet then
        for d in [ "train"; "val" ] do Directory.CreateDirectory(Path.Combine(imagenet, d, "n01440764")) |> ignore
    coco, (if withImagenet then Some imagenet else None)

[<Fact>]
let ``the paper profile pre-trains on an ImageNet folder when given one, and blocks pre-trained cells without it`` () =
    let coco, imagenet = realRoots true true
    let profile = Profiles.paper coco None imagenet "cpu"
    let data = DataSources.resolveData profile (TestPaths.tempDir ()) None
    let runs = planWith profile data "/results/runs"
    let imagenetCell = cell "det efficientnet-b7 imagenet 100% S4" runs
    let pre = required Backbone (byHashOf runs) imagenetCell
    match pre.Kind with
    | PretrainingRun c ->
        Assert.Equal(Path.Combine(imagenet.Value, "train"), c.Data.TrainRoot)
        Assert.Equal(224, c.ImageSize)
        // The ImageNet root is a symbol in the run's name, like the COCO root: moving it renames nothing.
        Assert.Contains("\"imagenet:/train\"", pre.Spec.ToJsonString())
    | other -> failwithf "expected a pre-training run, got %A" other
    // Without the folder: the same cells are planned as blocked, naming the flag.
    let coco2, _ = realRoots false true
    let without = planWith (Profiles.paper coco2 None None "cpu") (DataSources.resolveData (Profiles.paper coco2 None None "cpu") (TestPaths.tempDir ()) None) "/results/runs"
    Assert.Contains("--imagenet-root", blockedWhy "det efficientnet-b7 imagenet 100% S4" without)
    Assert.Contains("--imagenet-root", blockedWhy "det efficientnet-b7 rand 20% S4 +joint" without)
    cell "det efficientnet-b7 rand 100% S4 +ST" without |> ignore

[<Fact>]
let ``an ImageNet root without train and val folders is an error naming the flag`` () =
    let coco, _ = realRoots false false
    let bad = Path.Combine(TestPaths.tempDir (), "imagenet")
    Directory.CreateDirectory(Path.Combine(bad, "train")) |> ignore
    let e = Assert.Throws<DirectoryNotFoundException>(fun () ->
        DataSources.resolveData (Profiles.paper coco None (Some bad) "cpu") (TestPaths.tempDir ()) None |> ignore)
    Assert.Contains("--imagenet-root", e.Message)
    Assert.Contains("val", e.Message)

[<Fact>]
let ``the paper profile trains each cell at its Appendix H schedule and alpha`` () =
    let coco, imagenet = realRoots true true
    let profile = Profiles.paper coco None imagenet "cpu"
    let runs = planWith profile (DataSources.resolveData profile (TestPaths.tempDir ()) None) "/results/runs"
    let detectionSteps name =
        match (cell name runs).Kind with
        | DetectionRun c -> c.Trainer.TotalSteps
        | other -> failwithf "%s: not a detection run: %A" name other
    // Appendix H, by hand: Table 2 Rand 45k/90k/90k/120k and ImageNet 22.5k/45k/90k/90k; Table 3 ImageNet at 20% 5.625k.
    Assert.Equal<int64 list>([ 45000L; 90000L; 90000L; 120000L ], [ for s in [ "S1"; "S2"; "S3"; "S4" ] -> detectionSteps (sprintf "det efficientnet-b7 rand 100%% %s" s) ])
    Assert.Equal<int64 list>([ 22500L; 45000L; 90000L; 90000L ], [ for s in [ "S1"; "S2"; "S3"; "S4" ] -> detectionSteps (sprintf "det efficientnet-b7 imagenet 100%% %s" s) ])
    Assert.Equal(5625L, detectionSteps "det efficientnet-b7 imagenet 20% S4")
    let student = cell "det efficientnet-b7 imagenet 20% S4 +ST" runs
    match student.Kind with
    | StudentRun c ->
        // Appendix H: the ImageNet-init student at 20% trains 90k steps with α = 3; the running means decay 0.9997.
        Assert.Equal(90000L, c.Student.Trainer.TotalSteps)
        Assert.Equal(3.0, c.Alpha)
        Assert.Equal(1.0 / (1.0 - 0.9997), c.NormalizerTimeConstant, 9)
    | other -> failwithf "not a student: %A" other
    // The teacher is the supervised cell at its own schedule.
    let byHash = byHashOf runs
    let teacher = required Teacher byHash (required PseudoLabels byHash student)
    Assert.Equal(cell "det efficientnet-b7 imagenet 20% S4" runs, teacher)

[<Fact>]
let ``a run shared by several cells serves every one of them, so the SimCLR table is fully planned`` () =
    let runs = planAt "/data/mini" "/results/runs"
    let simclr = tables () |> List.find (fun t -> t.Id = "simclr-vs-self-training")
    for row in simclr.Rows do
        for column in simclr.Columns do
            let c = Grid.cellOf simclr row column
            let serving = runs |> List.filter (fun r -> r.Serves c)
            Assert.True((serving.Length = 1 && (match serving.Head with Runnable _ -> true | Blocked _ -> false)), sprintf "%s: served by %A" c.Name (serving |> List.map (fun r -> r.Label)))
    // On the miniature both paper backbones are the same small model, so Table 4's Rand Init is Table 2's S4 run.
    let rand = runs |> List.find (fun r -> r.Serves(Grid.cellOf simclr (simclr.Rows |> List.find (fun r -> r.Id = "rand")) simclr.Columns.Head))
    Assert.Contains(rand.Cells, fun c -> c.Name = "det efficientnet-b7 rand 100% S4")

[<Fact>]
let ``the random student of Table 10 starts from its row's init, not from the teacher`` () =
    let runs = planAt "/data/mini" "/results/runs"
    match (cell "det efficientnet-b7 rand 100% S2 +ST (random student)" runs).Kind, (cell "det efficientnet-b7 rand 100% S2 +ST" runs).Kind with
    | StudentRun random, StudentRun fromTeacher ->
        Assert.Null(random.InitialWeights)
        Assert.NotNull(fromTeacher.InitialWeights)
        Assert.Equal(fromTeacher.PseudoAnnotations, random.PseudoAnnotations)
    | other -> failwithf "not students: %A" other

[<Fact>]
let ``pre-training takes its optimizer and weight decay from the profile's pre-training settings`` () =
    let trainersOf (profile: Profiles.Profile) =
        planWith profile (dataAt "/data/mini") "/results/runs"
        |> runnable |> List.choose (fun r -> match r.Kind with PretrainingRun c -> Some c.Trainer | _ -> None)
    let sgd = { gridProfile with Pretraining = { gridProfile.Pretraining with Optimizer = Repro.Core.Training.OptimizerKind.Sgd; LearningRate = 0.4; WeightDecay = 1e-4 } }
    let trainers = trainersOf sgd
    Assert.NotEmpty trainers
    for t in trainers do
        Assert.Equal(Repro.Core.Training.OptimizerKind.Sgd, t.Optimizer)
        Assert.Equal(0.4, t.LearningRate)
        Assert.Equal(1e-4, t.WeightDecay)
    for t in trainersOf gridProfile do
        Assert.Equal(Repro.Core.Training.OptimizerKind.AdamW, t.Optimizer)
    // The paper profile pre-trains with SGD, not the miniature's AdamW.
    Assert.Equal(Repro.Core.Training.OptimizerKind.Sgd, (Profiles.paper "/coco" None None "cuda").Pretraining.Optimizer)
