/// From the grid to runs: turns each (cell, seed) into the Core configs and runs it needs — its
/// own run plus the prerequisites it stands on (pre-trained backbones, teachers, pseudo-label sets), each named by the
/// hash of its config so that a prerequisite shared by many cells is built once.
module Repro.Harness.Plan

open System
open System.IO
open System.Text.Json
open System.Text.Json.Nodes
open Repro.Core
open Repro.Core.Data.Miniature
open Repro.Core.Experiments
open Repro.Core.Models.Detection
open Repro.Core.Models.Segmentation
open Repro.Core.Regimes.Segmentation
open Repro.Core.Training
open Repro.Harness.Domain
open Repro.Harness.Profiles
open Repro.Harness.DataSources
open Repro.Harness.RunKinds

/// The trainer options of every regime a profile plans: `optimizer` at `learningRate` and `weightDecay` (the
/// profile's own, or its pre-training's) over a cosine schedule of `steps` with the profile's warm-up.
let optimization (profile: Profile) (optimizer: OptimizerKind) (learningRate: float) (weightDecay: float) (steps: int) =
    TrainerOptions(
        Optimizer = optimizer,
        LearningRate = learningRate, Momentum = 0.9,
        WeightDecay = weightDecay, NoWeightDecayOnNormAndBias = true,
        WarmupSteps = int64 (min profile.WarmupSteps steps), WarmupStartFactor = profile.WarmupStartFactor,
        Schedule = LearningRateScheduleKind.Cosine, TotalSteps = int64 steps, MaxGradNorm = Nullable 10.0,
        Device = profile.Device, Threads = profile.Threads,
        CheckpointInterval = int64 (max 50 (steps / 4)), LogInterval = 10L)

/// The optimizer settings of a profile's detection and segmentation runs for a schedule of `steps`.
let trainerOptions (profile: Profile) (steps: int) =
    optimization profile profile.Optimizer profile.LearningRate profile.WeightDecay steps

/// The supervised detection config of a cell (its init's weights given by the caller) trained for `steps`.
let detectionConfigFor (profile: Profile) (data: ResolvedData) (cell: Cell) (seed: int) (steps: int) (backboneWeights: string option) =
    DetectionExperimentConfig(
        Data = data.Detection.WithFraction(cell.Fraction, 0).WithMinival(profile.Ladder.MinivalShare),
        Detector = DetectorConfig.Preset(profile.BackboneFor cell.Backbone, data.NumClasses, profile.ImageSize),
        Augment = Repro.Core.Augment.AugmentConfig.ForLevel(cell.Augment, profile.ImageSize),
        Trainer = trainerOptions profile steps,
        BatchSize = profile.BatchSize,
        Seed = int64 seed,
        BackboneWeights = Option.toObj backboneWeights)

/// The cell a self-training cell's teacher belongs to: the same initialization, data and augmentation, supervised.
let teacherCellOf (cell: Cell) =
    { cell with SelfTraining = false; JointTraining = false; LossNormalization = true; StudentFromTeacher = true; Unlabeled = None }

/// How a cell trains under a profile: its steps and loss-normalization α, and where they come from.
type CellSchedule =
    { Steps: int
      /// The steps it trains at, one run each: its ladder's rungs, or [Steps] where nothing is left to select.
      Rungs: int list
      Alpha: float
      /// "Appendix H", the profile's schedule table, or the profile's name where neither gives the cell's steps.
      Source: string }

/// The cell whose schedule a cell takes: the ablation rows (standard loss, random student) and the joint-training
/// rows (Appendix H has no schedule for them) train as long as the cell without the ablation or the classification
/// side, so that a comparison changes one thing.
let scheduleCellOf (cell: Cell) = { cell with LossNormalization = true; StudentFromTeacher = true; JointTraining = false }

/// A cell's schedule: the paper's own (Appendix H) where the profile uses paper schedules and the paper has one, else
/// the profile's schedule table's where it lists the cell (one rung: the calibration already chose), else the
/// profile's own steps, on its ladder. α comes from Appendix H in every profile (the profile's default where the
/// paper gives none).
let scheduleOf (profile: Profile) (schedules: Map<Cell, PaperTables.PaperSchedule>) (table: ScheduleTable.ScheduleTable option) (cell: Cell) =
    let paper = schedules.TryFind(scheduleCellOf cell)
    let alpha = paper |> Option.bind (fun s -> s.Alpha) |> Option.defaultValue profile.DefaultAlpha
    let onLadder steps source = { Steps = steps; Rungs = profile.Ladder.StepsFor steps; Alpha = alpha; Source = source }
    match paper, table |> Option.bind (fun t -> t.TryFind(scheduleCellOf cell)) with
    | Some s, _ when profile.UsePaperSchedules -> onLadder s.Steps s.Provenance.Id
    | _, Some e -> { Steps = e.Steps; Rungs = [ e.Steps ]; Alpha = alpha; Source = defaultArg profile.ScheduleTable "schedule table" }
    | _ -> onLadder (profile.StepsFor cell) (sprintf "profile %s" profile.Name)

let private edge role hash = { Role = role; Hash = hash }
/// The Backbone edge of a run whose init is `init` (the pre-training run's hash and its weights; none for Rand Init).
let private backboneOf (init: (string * string) option) = init |> Option.map (fst >> edge Backbone) |> Option.toList

/// Builds the plan: runs accumulate in dependency order (a prerequisite before its first user), each hash once.
type private Builder(profile: Profile, data: ResolvedData, runsRoot: string) =
    let runs = Collections.Generic.List<PlannedRun>()
    let byHash = Collections.Generic.Dictionary<string, PlannedRun>()

    member _.Runs = List.ofSeq runs
    member _.RunDir(hash: string) = Path.Combine(runsRoot, hash)

    /// Adds a runnable run (or finds the identical one already planned) and returns its hash.
    member b.Add(kind: RunKind, label: string, cell: Cell option, seed: int, requires: Prerequisite list, seconds: float) =
        let spec = specOf kind data runsRoot
        let hash = RunIdentity.Name spec
        match byHash.TryGetValue hash with
        | true, existing ->
            // The same config reached from another cell: the run serves that cell too (a prerequisite so reached
            // becomes a cell's run and takes its label).
            match existing, cell with
            | Runnable e, Some c when not (e.Serves c) ->
                let served = Runnable { e with Cells = e.Cells @ [ c ]; Label = (if e.Cells.IsEmpty then label else e.Label) }
                byHash.[hash] <- served
                runs.[runs.FindIndex(fun r -> r.Hash = hash)] <- served
            | _ -> ()
        | _ ->
            let r =
                Runnable { Hash = hash; Label = label; Cells = Option.toList cell; Seed = seed; Kind = kind; Spec = spec
                           Requires = requires; EstimatedSeconds = seconds }
            byHash.[hash] <- r
            runs.Add r
        hash

    member _.AddBlocked(cell: Cell, seed: int, label: string, why: string) =
        let hash = CanonicalJson.hashOf (cell, seed, profile.Name)
        if not (byHash.ContainsKey hash) then
            let r = Blocked { Hash = hash; Label = label; Cell = cell; Seed = seed; Why = why }
            byHash.[hash] <- r
            runs.Add r

/// Why a cell cannot run on this data or with the regimes Core has. Such cells are planned and reported ("not run")
/// but never faked.
let blockedReason (data: ResolvedData) (cell: Cell) =
    let needsPretraining = cell.Init <> Rand
    let imagenet = "an ImageNet folder (--imagenet-root: train/<class>/…, val/<class>/…)"
    if needsPretraining && data.Classification.IsNone then Some(sprintf "%s needs a pre-training set: %s" cell.Init.Label imagenet)
    elif cell.Init = ImageNetPlusPlus && data.UnlabeledImages.IsNone then Some "ImageNet++ Init (Noisy Student) needs unlabeled images (none in this data)"
    elif cell.SelfTraining && cell.Unlabeled = Some ImageNetImages && data.UnlabeledImages.IsNone then
        Some "self-training needs unlabeled images (none in this data)"
    elif cell.Task = Detection && cell.SelfTraining && cell.Unlabeled <> Some ImageNetImages then
        Some(sprintf "detection self-training on %s images is not in the paper's detection tables" (cell.Unlabeled |> Option.map (fun u -> u.Label) |> Option.defaultValue "no"))
    elif cell.Task = Segmentation && data.Miniature.IsNone then Some "segmentation on real data needs --voc-root support in the paper profile"
    elif cell.JointTraining && data.Classification.IsNone then Some(sprintf "joint training needs a classification set: %s" imagenet)
    else None

/// The seconds a run of `steps` × `imagesPerStep` images should take, for estimates.
let private trainSeconds (profile: Profile) (steps: int) (imagesPerStep: int) =
    float (steps * imagesPerStep) * profile.SecondsPerImage

/// File names of the artifacts runs leave for their users (Core's names).
module Artifacts =
    let backboneWeights = PretrainingExperiment.BackboneFile
    let classifierWeights = PretrainingExperiment.ClassifierFile
    let detectorWeights = DetectionExperiment.WeightsFile
    let pseudoLabels = PseudoLabeling.AnnotationsFileName
    let segmentationWeights = SegmentationExperiment.WeightsFile

/// Every run of `cells` under the profile — cells' runs and their prerequisites, runnable or blocked — in an
/// order where each prerequisite precedes its users; `schedule` gives each cell (and each teacher's cell) its steps and α.
let plan (profile: Profile) (data: ResolvedData) (runsRoot: string) (schedule: Cell -> CellSchedule) (cells: Cell list) =
    // Absolute, so that the paths configs carry are the ones hashing replaces by `run:` (a relative results folder
    // would otherwise leak into the names of every run that reads a prerequisite).
    let runsRoot = Path.GetFullPath runsRoot
    profile.Ladder.Validate(profile.Name, profile.ScheduleTable.IsSome)
    let b = Builder(profile, data, runsRoot)
    // Labels name the backbone that trains beside the paper's it stands in for.
    let named (cell: Cell) =
        match profile.BackboneFor cell.Backbone with
        | same when same = cell.Backbone.Id -> cell.Name
        | standIn -> cell.NameOn(sprintf "%s (for %s)" standIn cell.Backbone.Id)
    let label (cell: Cell) (seed: int) = sprintf "%s seed %d" (named cell) seed
    /// A cell's runs: one per rung of its schedule, each labelled with its steps where there are several (the
    /// minival picks among them when tables are made).
    let rungs (cell: Cell) (seed: int) (steps: int list) =
        match steps with
        | [ only ] -> [ only, label cell seed ]
        | several -> [ for n in several -> n, sprintf "%s seed %d (ladder: %d steps)" (named cell) seed n ]
    let artifact (hash: string) (file: string) = Path.Combine(b.RunDir hash, file)
    let m () = data.Miniature.Value
    let classification () = data.Classification.Value

    // ---- pre-training: one run per (method, backbone), seeded with the profile's first seed ----
    let pretrainSeed = List.head profile.Seeds
    let pretrainConfig (method: PretrainingMethod) (backbone: PaperBackbone) (steps: int) (teacher: string option) =
        let ps = profile.Pretraining
        PretrainingConfig(
            Method = (match PretrainingMethodConfig.Default method, teacher with
                      | :? NoisyStudentPretraining as ns, Some weights -> ns.WithTeacherWeights weights :> PretrainingMethodConfig
                      | m, _ -> m),
            Data = ClassificationDataConfig(TrainRoot = classification().TrainRoot, ValRoot = classification().ValRoot,
                                            UnlabeledRoot = (if method = PretrainingMethod.NoisyStudent then data.UnlabeledImages.Value else null)),
            Backbone = (DetectorConfig.Preset(profile.BackboneFor backbone, data.NumClasses, profile.ImageSize)).Backbone,
            ImageSize = classification().ImageSize,
            Trainer = optimization profile ps.Optimizer ps.LearningRate ps.WeightDecay steps,
            BatchSize = ps.BatchSize,
            Seed = int64 pretrainSeed)
    let rec pretrained (init: Init) (backbone: PaperBackbone) : (string * string) option =
        let ps = profile.Pretraining
        let add method steps teacher requires =
            let c = pretrainConfig method backbone steps teacher
            let h = b.Add(PretrainingRun c, sprintf "pre-training %s (%s, %d steps)" init.Label (profile.BackboneFor backbone) steps, None, pretrainSeed,
                          requires, trainSeconds profile steps ps.BatchSize)
            Some(h, artifact h Artifacts.backboneWeights)
        match init with
        | Rand -> None
        | ImageNet -> add PretrainingMethod.Supervised ps.Steps None []
        | SimClr -> add PretrainingMethod.SimClr ps.SimClrSteps None []
        | ImageNetPlusPlus ->
            // Noisy Student starts from the ImageNet Init run's classifier: the teacher is shared, not retrained.
            let teacherHash, _ = (pretrained ImageNet backbone).Value
            add PretrainingMethod.NoisyStudent ps.StudentSteps (Some(artifact teacherHash Artifacts.classifierWeights)) [ edge Teacher teacherHash ]

    // ---- detection ----
    /// The supervised detection run of `cell` (its init's backbone) for `steps`; returns its hash.
    let supervised (cell: Cell) (seed: int) (steps: int) (asCell: bool) (name: string) =
        let init = pretrained cell.Init cell.Backbone
        let config = detectionConfigFor profile data cell seed steps (init |> Option.map snd)
        b.Add(DetectionRun config, name, (if asCell then Some cell else None), seed, backboneOf init,
              trainSeconds profile steps profile.BatchSize)

    /// A self-training cell's teacher: the supervised run of its teacher cell trained `TeacherStepsFactor` times
    /// longer — to convergence, and on as many images as the student sees, so it is also the student's
    /// compute-matched baseline.
    let teacher (cell: Cell) (seed: int) =
        let t = teacherCellOf cell
        let steps = (schedule t).Steps * profile.TeacherStepsFactor
        supervised t seed steps false (sprintf "teacher %s (%d steps) seed %d" (named t) steps seed)

    let pseudoLabels (cell: Cell) (seed: int) =
        let teacherHash = teacher cell seed
        let detector = DetectorConfig.Preset(profile.BackboneFor cell.Backbone, data.NumClasses, profile.ImageSize)
        let config =
            PseudoLabelConfig(
                TeacherWeights = artifact teacherHash Artifacts.detectorWeights, Detector = detector,
                UnlabeledImages = data.UnlabeledImages.Value, CategoriesFrom = data.Detection.TrainAnnotations,
                ScoreThreshold = profile.PseudoLabelThreshold, Device = profile.Device)
        let hidden = data.Miniature |> Option.map (fun m -> m.UnlabeledHiddenAnnotations)
        b.Add(PseudoLabelRun(config, hidden), sprintf "pseudo labels of teacher %s (threshold %g) seed %d" (named (teacherCellOf cell)) profile.PseudoLabelThreshold seed,
              None, seed, [ edge Teacher teacherHash ], 30.0)

    let student (cell: Cell) (seed: int) (steps: int) (name: string) =
        let pseudoHash = pseudoLabels cell seed
        let init = pretrained cell.Init cell.Backbone
        let teacherHash = if cell.StudentFromTeacher then Some(teacher cell seed) else None
        let s = schedule cell
        let config =
            SelfTrainingConfig(
                Student = detectionConfigFor profile data cell seed steps (init |> Option.map snd),
                InitialWeights = (teacherHash |> Option.map (fun h -> artifact h Artifacts.detectorWeights) |> Option.toObj),
                PseudoAnnotations = artifact pseudoHash Artifacts.pseudoLabels,
                PseudoImages = data.UnlabeledImages.Value,
                PseudoBatchSize = profile.BatchSize,
                LossNormalization = cell.LossNormalization,
                Alpha = s.Alpha,
                NormalizerTimeConstant = profile.NormalizerMemory.TimeConstant steps)
        // "w/ All": the same student, also joint-trained on classification (a third batch per step).
        let kind, imagesPerStep =
            if cell.JointTraining then
                JointStudentRun(
                    JointSelfTrainingConfig(
                        SelfTraining = config,
                        Classification = ClassificationObjectiveConfig(
                            TrainRoot = classification().TrainRoot, BatchSize = profile.BatchSize,
                            Weight = profile.JointSelfTrainingClassificationWeight))),
                3 * profile.BatchSize
            else StudentRun config, 2 * profile.BatchSize
        b.Add(kind, name, Some cell, seed, edge PseudoLabels pseudoHash :: backboneOf init @ (teacherHash |> Option.map (edge Teacher) |> Option.toList),
              trainSeconds profile steps imagesPerStep)

    let joint (cell: Cell) (seed: int) (steps: int) (name: string) =
        let init = pretrained cell.Init cell.Backbone
        let config =
            JointTrainingConfig(
                Detection = detectionConfigFor profile data cell seed steps (init |> Option.map snd),
                Classification = ClassificationObjectiveConfig(
                    TrainRoot = classification().TrainRoot, BatchSize = profile.BatchSize, Weight = profile.JointClassificationWeight))
        b.Add(JointRun config, name, Some cell, seed, backboneOf init,
              trainSeconds profile steps (2 * profile.BatchSize))

    // ---- segmentation ----
    let segmentationConfig (cell: Cell) (seed: int) (steps: int) (weights: string option) =
        let labelled = defaultArg cell.LabelledSet "train"
        let detector = DetectorConfig.Preset(profile.BackboneFor cell.Backbone, data.NumClasses, profile.ImageSize)
        SegmentationExperimentConfig(
            Data = SegmentationDataConfig(VocRoot = m().VocRoot, TrainSet = labelled, ValSet = "val").WithMinival(profile.Ladder.MinivalShare),
            Model = SegmentationModelConfig.Miniature(m().SegmentationClasses.Count, profile.ImageSize).WithBackbone(detector.Backbone),
            Augment = Repro.Core.Augment.AugmentConfig.ForLevel(cell.Augment, profile.ImageSize),
            Trainer = trainerOptions profile steps,
            BatchSize = profile.Segmentation.BatchSize,
            Seed = int64 seed,
            BackboneWeights = Option.toObj weights)

    let segmentation (cell: Cell) (seed: int) (steps: int) (asCell: bool) (name: string) =
        let init = pretrained cell.Init cell.Backbone
        let config = segmentationConfig cell seed steps (init |> Option.map snd)
        b.Add(SegmentationRun config, name, (if asCell then Some cell else None), seed, backboneOf init,
              trainSeconds profile steps profile.Segmentation.BatchSize)

    let segmentationStudent (cell: Cell) (seed: int) (steps: int) (name: string) =
        let t = teacherCellOf cell
        let s = schedule cell
        let teacherSteps = (schedule t).Steps * profile.TeacherStepsFactor
        let teacherHash = segmentation t seed teacherSteps false (sprintf "teacher %s (%d steps) seed %d" (named t) teacherSteps seed)
        let teacherConfig = segmentationConfig t seed steps None
        let source = defaultArg cell.Unlabeled ImageNetImages
        let pseudo =
            let c =
                SegmentationPseudoLabelConfig(
                    TeacherWeights = artifact teacherHash Artifacts.segmentationWeights, Model = teacherConfig.Model,
                    ConfidenceThreshold = profile.Segmentation.PseudoConfidence, Device = profile.Device)
            match source with
            | PascalAugImages -> c.FromVocSet(m().VocRoot, "trainaug", "train")
            | CocoImages -> c.FromFolder(data.Detection.TrainImages)
            | ImageNetImages -> c.FromFolder(data.UnlabeledImages.Value)
        let pseudoHash =
            b.Add(SegmentationPseudoLabelRun pseudo, sprintf "pseudo masks of %s by teacher %s seed %d" source.Id (named t) seed, None, seed, [ edge Teacher teacherHash ], 30.0)
        let init = pretrained cell.Init cell.Backbone
        let student =
            (segmentationConfig cell seed steps (init |> Option.map snd))
                .AsStudent(b.RunDir pseudoHash, pseudo.SetName, profile.Segmentation.BatchSize, cell.LossNormalization)
                .WithLossNormalization(s.Alpha, profile.NormalizerMemory.TimeConstant steps)
        // The paper's student starts from its teacher (§3, Table 10); the ablation from the row's init.
        let config, fromTeacher =
            if cell.StudentFromTeacher then student.StartingFrom(artifact teacherHash Artifacts.segmentationWeights), [ edge Teacher teacherHash ]
            else student, []
        b.Add(SegmentationRun config, name, Some cell, seed, edge PseudoLabels pseudoHash :: backboneOf init @ fromTeacher,
              trainSeconds profile steps (2 * profile.Segmentation.BatchSize))

    for cell in cells do
        for seed in profile.Seeds do
            match blockedReason data cell with
            | Some why -> b.AddBlocked(cell, seed, label cell seed, why)
            | None ->
                for steps, name in rungs cell seed (schedule cell).Rungs do
                    match cell.Task with
                    | Task.Detection when cell.SelfTraining -> student cell seed steps name |> ignore
                    | Task.Detection when cell.JointTraining -> joint cell seed steps name |> ignore
                    | Task.Detection -> supervised cell seed steps true name |> ignore
                    | Task.Segmentation when cell.SelfTraining -> segmentationStudent cell seed steps name |> ignore
                    | Task.Segmentation -> segmentation cell seed steps true name |> ignore
    b.Runs

/// The profile's plan over the paper's tables: its scope's cells planned as above, then one entry per cell left out
/// of the scope, shown as not in this profile (never run, never faked).
/// `table`: the profile's schedule table, where it has one.
let planProfile (profile: Profile) (data: ResolvedData) (runsRoot: string) (tables: PaperTables.PaperTable list) (table: ScheduleTable.ScheduleTable option) =
    let inScope, outOfScope = Grid.scoped profile.Scope tables
    let why = sprintf "not in profile %s (outside its time budget); --profile full runs every cell" profile.Name
    plan profile data runsRoot (scheduleOf profile (Grid.schedules tables) table) inScope
    @ [ for cell in outOfScope ->
          Blocked { Hash = CanonicalJson.hashOf (cell, "out of scope", profile.Name); Label = cell.Name; Cell = cell
                    Seed = List.head profile.Seeds; Why = why } ]

/// The runs `selected` picks, with everything they require, in plan order.
let closure (selected: PlannedRun -> bool) (runs: PlannedRun list) =
    let byHash = runs |> List.map (fun r -> r.Hash, r) |> Map.ofList
    let rec close (acc: Set<string>) (hash: string) =
        if acc.Contains hash then acc
        else
            let acc = acc.Add hash
            match byHash.TryFind hash with
            | Some r -> r.RequiredHashes |> List.fold close acc
            | None -> acc
    let keep = runs |> List.filter selected |> List.fold (fun acc r -> close acc r.Hash) Set.empty
    runs |> List.filter (fun r -> keep.Contains r.Hash)

/// Whether `text` is in a run's label, as shown or with the paper's backbone in place of the stand-in ("det
/// efficientnet-b7 … seed 0 (ladder: 3000 steps)"), case-insensitively.
let matches (text: string) (r: PlannedRun) =
    [ r.Label; Text.RegularExpressions.Regex.Replace(r.Label, @"\S+ \(for (\S+)\)", "$1") ]
    |> List.exists (fun name -> name.Contains(text, StringComparison.OrdinalIgnoreCase))

/// The runs one of `texts` matches, with everything they require, in plan order. A text that matches no run is an
/// error naming it (a typo would otherwise sweep nothing and write empty tables).
let only (texts: string list) (runs: PlannedRun list) =
    match texts |> List.filter (fun text -> not (List.exists (matches text) runs)) with
    | [] -> runs |> closure (fun r -> texts |> List.exists (fun text -> matches text r))
    | unmatched ->
        let quoted = unmatched |> List.map (sprintf "\"%s\"") |> String.concat ", "
        raise (ArgumentException(sprintf "--only %s: nothing matches (no run's label contains it, with the stand-in backbone or the paper's; `repro plan` lists the labels)" quoted))
