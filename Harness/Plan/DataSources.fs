/// Where a profile's data comes from: the embedded miniature (generated once per config, cached) or COCO / VOC /
/// ImageNet on disk, resolved to files and named by an identity that run names carry.
module Repro.Harness.DataSources

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

/// The labelled classification set in ImageNet's role (pre-training, joint training): folder-per-class train and val.
type ClassificationSource =
    { TrainRoot: string
      ValRoot: string
      /// Pre-training input size.
      ImageSize: int }

/// A profile's data resolved to files, plus an identity that names it in run hashes (paths are incidental:
/// moving the data must not change which runs are "the same").
type ResolvedData =
    { Detection: DetectionDataConfig
      NumClasses: int
      /// The miniature's manifest (None for real data): classification pool, unlabeled pool, segmentation set.
      Miniature: MiniatureManifest option
      /// ImageNet's role (None: pre-trained and joint cells cannot run on this data).
      Classification: ClassificationSource option
      /// Folder of unlabeled images that teachers pseudo-label (None: self-training cannot run on this data).
      UnlabeledImages: string option
      /// Root folders whose paths are replaced by their symbol when a config is hashed.
      Roots: (string * string) list
      Identity: string
      Description: string }

/// Miniature data: generated once per config and cached by hash under `cacheRoot`.
let resolveData (profile: Profile) (cacheRoot: string) (progress: IProgress<MiniatureProgress> option) =
    match profile.Data with
    | Miniature preset ->
        let m = MiniatureGenerator.Generate(MiniatureConfig.Preset preset, cacheRoot, Option.toObj progress)
        { Detection =
            DetectionDataConfig(
                TrainImages = m.DetectionTrainImages, TrainAnnotations = m.DetectionTrainAnnotations,
                ValImages = m.DetectionValImages, ValAnnotations = m.DetectionValAnnotations,
                SmallMaxArea = m.SmallMaxArea, LargeMinArea = m.LargeMinArea)
          NumClasses = m.DetectionCategories.Count
          Miniature = Some m
          Classification =
            Some { TrainRoot = m.ClassificationTrain; ValRoot = m.ClassificationVal; ImageSize = m.Config.ClassificationImageSize }
          UnlabeledImages = Some m.UnlabeledImages
          Roots = [ Path.GetFullPath m.Root, "data:" ]
          Identity = sprintf "miniature:%s:%s" m.GeneratorVersion (m.ConfigHash.Substring(0, 16))
          Description = sprintf "miniature %s (%d train / %d val detection images)" preset m.DetectionTrainCount m.DetectionValCount }
    | RealData(cocoRoot, _, imagenetRoot) ->
        let p (parts: string list) = Path.Combine(cocoRoot :: parts |> Array.ofList)
        let valAnnotations = p [ "annotations"; "instances_val2017.json" ]
        for f in [ p [ "train2017" ]; p [ "val2017" ] ] do
            if not (Directory.Exists f) then raise (DirectoryNotFoundException(sprintf "--coco-root: %s not found (expected COCO 2017 layout)" f))
        if not (File.Exists valAnnotations) then raise (FileNotFoundException(sprintf "--coco-root: %s not found" valAnnotations, valAnnotations))
        use doc = JsonDocument.Parse(File.ReadAllText valAnnotations)
        let categories = doc.RootElement.GetProperty("categories").GetArrayLength()
        let unlabeled = p [ "unlabeled2017" ]
        { Detection =
            DetectionDataConfig(
                TrainImages = p [ "train2017" ], TrainAnnotations = p [ "annotations"; "instances_train2017.json" ],
                ValImages = p [ "val2017" ], ValAnnotations = valAnnotations)
          NumClasses = categories
          Miniature = None
          Classification =
            imagenetRoot |> Option.map (fun root ->
                for split in [ "train"; "val" ] do
                    let d = Path.Combine(root, split)
                    if not (Directory.Exists d) then
                        raise (DirectoryNotFoundException(sprintf "--imagenet-root: %s not found (expected folder-per-class train/ and val/)" d))
                // 224 px: the standard ImageNet input, and the paper's pre-training resolution class for ResNet-50.
                { TrainRoot = Path.Combine(root, "train"); ValRoot = Path.Combine(root, "val"); ImageSize = 224 })
          UnlabeledImages = (if Directory.Exists unlabeled then Some unlabeled else None)
          Roots =
            [ Path.GetFullPath cocoRoot, "coco:"
              match imagenetRoot with Some r -> Path.GetFullPath r, "imagenet:" | None -> () ]
          Identity = sprintf "coco2017:%s" (Path.GetFullPath cocoRoot)
          Description = sprintf "COCO 2017 at %s" cocoRoot }

/// Checks that the data still is what its identity says, before a run uses it: the miniature, named by its generator
/// config and version, against the content checksum its manifest recorded when it was generated. Real data is named
/// by its path and not hashed.
let verifyData (data: ResolvedData) =
    match data.Miniature with
    | Some m -> m.VerifyContent()
    | None -> ()
