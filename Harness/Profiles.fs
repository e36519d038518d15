/// Profiles: named sets of scale values. The miniature and the paper's setting differ only here (data, model size,
/// image size, schedule, seeds, device); the code path is the same.
module Repro.Harness.Profiles

open Repro.Harness.Domain

/// Where the labelled, unlabeled and segmentation data come from.
type DataSource =
    /// The embedded miniature, generated (and cached) from a preset of Core's MiniatureConfig: "smoke" | "default".
    | Miniature of preset: string
    /// Real data on disk: COCO 2017 (train2017/, val2017/, annotations/) and optionally VOC2012.
    | RealData of cocoRoot: string * vocRoot: string option

type Profile =
    { Name: string
      Description: string
      Data: DataSource
      /// Detector input size (square, after augmentation's crop/pad).
      ImageSize: int
      /// The profile's stand-in for each paper backbone, as a Core detector preset name.
      Backbones: Map<string, string>
      BatchSize: int
      /// "sgd" (momentum 0.9, the paper's) or "adamw" (the miniature's: stabler for small from-scratch models on a short schedule).
      Optimizer: string
      /// Training steps per augmentation level: stronger augmentation trains longer, as in the paper (and as the
      /// miniature probe showed it must: at a fixed short schedule strong augmentation only looked worse).
      Steps: Map<string, int>
      LearningRate: float
      WarmupSteps: int
      /// Seeds every cell runs with.
      Seeds: int list
      Device: string
      Threads: int
      /// Rough cost of one training image (seconds) on the reference machine, for `repro plan` estimates.
      SecondsPerImage: float }

    member p.StepsFor(level: AugmentLevel) =
        match p.Steps.TryFind level.Id with
        | Some s -> s
        | None -> invalidArg "level" (sprintf "profile %s has no schedule for %s" p.Name level.Id)

    member p.BackboneFor(paperBackbone: string) =
        match p.Backbones.TryFind paperBackbone with
        | Some b -> b
        | None -> invalidArg "paperBackbone" (sprintf "profile %s has no stand-in for the paper's backbone %s" p.Name paperBackbone)

let smoke =
    { Name = "smoke"
      Description = "the whole pipeline on tiny data, every table, one seed; for tests and CI (minutes)"
      Data = Miniature "smoke"
      ImageSize = 64
      Backbones = Map [ "efficientnet-b7", "resnet-mini"; "resnet-50", "resnet-mini" ]
      BatchSize = 16
      Optimizer = "adamw"
      Steps = Map [ "S1", 60; "S2", 60; "S3", 80; "S4", 80 ]
      LearningRate = 0.003
      WarmupSteps = 10
      Seeds = [ 0 ]
      Device = "cpu"
      Threads = 2
      SecondsPerImage = 0.003 }

let defaultProfile =
    { Name = "default"
      Description = "the informative miniature study on the CPU: 3 seeds per cell, schedules growing with augmentation"
      Data = Miniature "default"
      ImageSize = 64
      Backbones = Map [ "efficientnet-b7", "resnet-mini"; "resnet-50", "resnet-mini" ]
      BatchSize = 32
      Optimizer = "adamw"
      // Calibrated on Rand Init at S1 only (AdamW 3e-3, seed 1): 600 steps gave val AP 2.8, 2000 steps 12.0.
      Steps = Map [ "S1", 2000; "S2", 2200; "S3", 2600; "S4", 3000 ]
      LearningRate = 0.003
      WarmupSteps = 100
      Seeds = [ 0; 1; 2 ]
      Device = "cpu"
      Threads = 2
      SecondsPerImage = 0.0025 }

/// Paper-scale settings (EfficientNet-B7 / ResNet-50 RetinaNet at 640 px on COCO); the data roots come from the
/// command line. Schedules follow the paper's "stronger augmentation trains longer"; exact step counts of the
/// paper's runs are not published in the text, so these are the official release's order of magnitude.
let paper (cocoRoot: string) (vocRoot: string option) (device: string) =
    { Name = "paper"
      Description = "paper-scale RetinaNet on real COCO/VOC, GPU"
      Data = RealData(cocoRoot, vocRoot)
      ImageSize = 640
      Backbones = Map [ "efficientnet-b7", "efficientnet-b7"; "resnet-50", "resnet-50" ]
      BatchSize = 64
      Optimizer = "sgd"
      Steps = Map [ "S1", 22500; "S2", 45000; "S3", 90000; "S4", 135000 ]
      LearningRate = 0.08
      WarmupSteps = 1000
      Seeds = [ 0 ]
      Device = device
      Threads = 0
      SecondsPerImage = 0.01 }

let names = [ "smoke"; "default"; "paper" ]
