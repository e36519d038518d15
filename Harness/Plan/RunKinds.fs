/// What a planned run is: the Core experiment it executes with its config (its kind), and its place in the plan;
/// a run is named by its spec (Core's RunIdentity).
module Repro.Harness.RunKinds

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

/// What one planned run executes: a Core experiment and its config.
type RunKind =
    /// Supervised detection (a grid cell's run, or a teacher / compute-matched baseline).
    | DetectionRun of DetectionExperimentConfig
    /// Pre-training of a backbone (ImageNet / ImageNet++ / SimCLR Init): a prerequisite.
    | PretrainingRun of PretrainingConfig
    /// A teacher's pseudo boxes on the unlabeled pool: a prerequisite. Where the pool's true boxes are known (the
    /// miniature withholds them), the record also says how good the pseudo boxes are; that file is not part of the config.
    | PseudoLabelRun of PseudoLabelConfig * hiddenAnnotations: string option
    /// A self-training student (human + pseudo labels).
    | StudentRun of SelfTrainingConfig
    /// Detection and classification through one backbone.
    | JointRun of JointTrainingConfig
    /// "w/ All": a self-training student that is also joint-trained on classification.
    | JointStudentRun of JointSelfTrainingConfig
    /// Semantic segmentation, supervised or a self-training student.
    | SegmentationRun of SegmentationExperimentConfig
    /// A segmentation teacher's pseudo masks: a prerequisite.
    | SegmentationPseudoLabelRun of SegmentationPseudoLabelConfig

    member k.Id =
        match k with
        | DetectionRun _ -> "detection"
        | PretrainingRun _ -> "pretraining"
        | PseudoLabelRun _ -> "pseudo-labels"
        | StudentRun _ -> "self-training"
        | JointRun _ -> "joint-training"
        | JointStudentRun _ -> "joint-self-training"
        | SegmentationRun c -> if c.IsSelfTraining then "segmentation-self-training" else "segmentation"
        | SegmentationPseudoLabelRun _ -> "segmentation-pseudo-labels"

    /// The steps the run trains for (pseudo-labelling trains none).
    member k.Steps =
        match k with
        | DetectionRun c -> c.Trainer.TotalSteps
        | PretrainingRun c -> c.Trainer.TotalSteps
        | StudentRun c -> c.Student.Trainer.TotalSteps
        | JointRun c -> c.Detection.Trainer.TotalSteps
        | JointStudentRun c -> c.SelfTraining.Student.Trainer.TotalSteps
        | SegmentationRun c -> c.Trainer.TotalSteps
        | PseudoLabelRun _ | SegmentationPseudoLabelRun _ -> 0L

    member k.Config: obj =
        match k with
        | DetectionRun c -> box c
        | PretrainingRun c -> box c
        | PseudoLabelRun(c, _) -> box c
        | StudentRun c -> box c
        | JointRun c -> box c
        | JointStudentRun c -> box c
        | SegmentationRun c -> box c
        | SegmentationPseudoLabelRun c -> box c

/// Why a run reads another run's artifacts: the plan's dependency edges, named.
type Role =
    /// A pre-trained backbone: the run's Init.
    | Backbone
    /// The trained model a run labels with or starts from (pseudo labels' teacher, a student started from its
    /// teacher, Noisy Student's teacher classifier).
    | Teacher
    /// The pseudo labels a student trains on.
    | PseudoLabels

type Prerequisite = { Role: Role; Hash: string }

/// A run the plan can execute: what it executes, the spec it is named by, what it reads.
type RunnableRun =
    { Hash: string
      Label: string
      /// The grid cells this run measures (several where a profile maps different paper cells to one config, e.g.
      /// Table 4's ResNet-50 cells and Table 2's EfficientNet-B7 cells on one stand-in); [] for a prerequisite
      /// (teacher, pre-training, pseudo labels).
      Cells: Cell list
      Seed: int
      Kind: RunKind
      Spec: JsonNode
      /// The runs whose artifacts this one reads; they come earlier in the plan.
      Requires: Prerequisite list
      EstimatedSeconds: float }

    member r.Serves(cell: Cell) = List.contains cell r.Cells
    member r.RequiredHashes = r.Requires |> List.map (fun p -> p.Hash)
    /// The files of other runs this run reads, as (run hash, path in that run's folder): its spec names each one
    /// `run:/<hash>/<path>`.
    member r.FilesRead: (string * string) list =
        let rec strings (node: JsonNode) =
            seq {
                match node with
                | :? JsonObject as o -> for kv in o do if not (isNull kv.Value) then yield! strings kv.Value
                | :? JsonArray as a -> for x in a do if not (isNull x) then yield! strings x
                | :? JsonValue as v when v.GetValueKind() = JsonValueKind.String -> yield v.GetValue<string>()
                | _ -> ()
            }
        strings r.Spec
        |> Seq.choose (fun s ->
            if not (s.StartsWith "run:") then None
            else
                match s.Substring(4).TrimStart('/').Split('/', 2) with
                | [| hash; file |] -> Some(hash, file)
                | _ -> None)
        |> Seq.distinct
        |> List.ofSeq
    /// The run required as `role` (a run requires at most one of each).
    member r.Required(role: Role) = r.Requires |> List.tryPick (fun p -> if p.Role = role then Some p.Hash else None)

/// A cell the plan cannot run (no data for it, or outside the profile): planned and reported, never faked.
type BlockedRun = { Hash: string; Label: string; Cell: Cell; Seed: int; Why: string }

type PlannedRun =
    | Runnable of RunnableRun
    | Blocked of BlockedRun

    member r.Hash = match r with Runnable x -> x.Hash | Blocked x -> x.Hash
    member r.Label = match r with Runnable x -> x.Label | Blocked x -> x.Label
    member r.Cells = match r with Runnable x -> x.Cells | Blocked x -> [ x.Cell ]
    member r.Seed = match r with Runnable x -> x.Seed | Blocked x -> x.Seed
    member r.Serves(cell: Cell) = List.contains cell r.Cells
    /// Hashes of the runs this one reads ([] for a blocked run).
    member r.RequiredHashes = match r with Runnable x -> x.RequiredHashes | Blocked _ -> []

/// The plan's runnable runs, in plan order.
let runnable (runs: PlannedRun list) = runs |> List.choose (function Runnable r -> Some r | Blocked _ -> None)

/// The spec a run is named by (Core's RunIdentity): its kind, the data's identity and its config, with paths under
/// the data's roots and the runs folder written as symbols.
let specOf (kind: RunKind) (data: ResolvedData) (runsRoot: string) =
    RunIdentity.Spec(kind.Id, data.Identity, kind.Config, [| yield (runsRoot, "run:"); yield! data.Roots |] |> Array.map (fun (r, s) -> struct (r, s)))
