/// The paper's vocabulary as types: initializations, augmentation levels, tasks, and the grid cell they span.
module Repro.Harness.Domain

open System.IO
open Argu

/// How the detector's backbone starts (the paper's first axis).
type Init =
    | Rand
    | ImageNet
    // The command line spells it as paper-tables does.
    | [<CustomCommandLine("imagenet++")>] ImageNetPlusPlus
    | SimClr

    member i.Id =
        match i with
        | Rand -> "rand"
        | ImageNet -> "imagenet"
        | ImageNetPlusPlus -> "imagenet++"
        | SimClr -> "simclr"

    member i.Label =
        match i with
        | Rand -> "Rand Init"
        | ImageNet -> "ImageNet Init"
        | ImageNetPlusPlus -> "ImageNet++ Init"
        | SimClr -> "ImageNet Init (SimCLR)"

    static member Parse(s: string) =
        match s.ToLowerInvariant() with
        | "rand" -> Rand
        | "imagenet" -> ImageNet
        | "imagenet++" -> ImageNetPlusPlus
        | "simclr" -> SimClr
        | other -> raise (InvalidDataException(sprintf "unknown initialization '%s' (rand | imagenet | imagenet++ | simclr)" other))

/// Augmentation strength: Core's own type, from paper-tables and the command line to the pipeline.
type AugmentLevel = Repro.Core.Augment.AugmentLevel

/// A level as paper-tables writes it ("S1" … "S4"), in Core's grammar.
let parseAugmentLevel (s: string) =
    try Repro.Core.Augment.AugmentLevels.Parse s
    with :? System.ArgumentException as e -> raise (InvalidDataException(e.Message))

type Task =
    | Detection
    | Segmentation

    /// The level a cell of this task trains at when nothing names one: the paper's strongest for detection, and
    /// flips with scale jitter (S1) for segmentation.
    member t.DefaultAugment = match t with Detection -> AugmentLevel.S4 | Segmentation -> AugmentLevel.S1

    /// The record metric a cell of this task's tables reports, as Core names it ("AP", "mIoU").
    member t.Metric =
        match t with
        | Detection -> Repro.Core.Experiments.DetectionExperiment.HeadlineMetric
        | Segmentation -> Repro.Core.Experiments.SegmentationExperiment.HeadlineMetric

    static member Parse(s: string) =
        match s with
        | "detection" -> Detection
        | "segmentation" -> Segmentation
        | other -> raise (InvalidDataException(sprintf "unknown task '%s' (detection | segmentation)" other))

/// The unlabeled images a self-training teacher pseudo-labels (Table 14 compares them for segmentation; every
/// detection table uses ImageNet). The miniature gives each a stand-in: its unlabeled pool (ImageNet's role), its
/// detection training images without their boxes (COCO's), and its segmentation aug images without masks (PASCAL's).
type UnlabeledSource =
    | ImageNetImages
    | CocoImages
    | PascalAugImages

    member u.Id = match u with ImageNetImages -> "imagenet" | CocoImages -> "coco" | PascalAugImages -> "pascal-aug"

    member u.Label = match u with ImageNetImages -> "ImageNet" | CocoImages -> "COCO" | PascalAugImages -> "PASCAL aug set"

    static member Parse(s: string) =
        match s with
        | "imagenet" -> ImageNetImages
        | "coco" -> CocoImages
        | "pascal-aug" -> PascalAugImages
        | other -> raise (InvalidDataException(sprintf "unknown unlabeled source '%s' (imagenet | coco | pascal-aug)" other))

/// The backbone a paper table reports (profiles map it to the model that actually trains: their stand-in).
type PaperBackbone =
    // Spelled in records and on the command line as paper-tables does.
    | [<CustomCommandLine("efficientnet-b7"); System.Text.Json.Serialization.JsonPropertyName("efficientnet-b7")>] EfficientNetB7
    | [<CustomCommandLine("resnet-50"); System.Text.Json.Serialization.JsonPropertyName("resnet-50")>] ResNet50

    member b.Id =
        match b with
        | EfficientNetB7 -> "efficientnet-b7"
        | ResNet50 -> "resnet-50"

    static member Parse(s: string) =
        match s.ToLowerInvariant() with
        | "efficientnet-b7" -> EfficientNetB7
        | "resnet-50" -> ResNet50
        | other -> raise (InvalidDataException(sprintf "unknown paper backbone '%s' (efficientnet-b7 | resnet-50)" other))

/// One point of the paper's grid, independent of scale: what the paper varies between two numbers it compares.
/// The profile decides everything else (model size, data, schedule).
type Cell =
    { Task: Task
      /// The paper's backbone; profiles map it to their own scale.
      Backbone: PaperBackbone
      Init: Init
      Fraction: float
      Augment: AugmentLevel
      SelfTraining: bool
      JointTraining: bool
      LossNormalization: bool
      /// Self-training: the student starts from its teacher's final weights (the paper's method); false is Table 10's
      /// ablation, a student from its row's init.
      StudentFromTeacher: bool
      /// Self-training: the images the teacher pseudo-labels (None without self-training).
      Unlabeled: UnlabeledSource option
      /// Segmentation only: "train" or "trainaug".
      LabelledSet: string option }

    /// A short human name, e.g. "det efficientnet-b7 rand 100% S4 +ST".
    member c.Name = c.NameOn c.Backbone.Id

    /// The name with another backbone written in: the stand-in that actually trains, e.g.
    /// "det resnet-mini (for efficientnet-b7) rand 100% S4 +ST".
    member c.NameOn(backbone: string) =
        let task = match c.Task with Detection -> "det" | Segmentation -> "seg"
        let size = match c.LabelledSet with Some s -> s | None -> sprintf "%g%%" (c.Fraction * 100.0)
        let extras =
            [ if c.SelfTraining then "+ST"
              if c.JointTraining then "+joint"
              if c.SelfTraining && not c.LossNormalization then "(no loss norm)"
              if c.SelfTraining && not c.StudentFromTeacher then "(random student)"
              match c.Unlabeled with
              | Some u when u <> ImageNetImages -> sprintf "w/ %s" u.Id
              | _ -> () ]
        String.concat " " ([ task; backbone; c.Init.Id; size; string c.Augment ] @ extras)
