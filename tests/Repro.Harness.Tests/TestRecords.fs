/// Records made up for a planned run, as a sweep would leave them: tests of what reads records (ladder choices,
/// calibration, estimates) without training.
module Repro.Harness.Tests.TestRecords

open System
open System.Text.Json.Nodes
open Repro.Harness
open Repro.Harness.RunKinds
open Repro.Harness.RunStore

/// `run`'s record with `status`, `metrics` and a wall time.
let recordOf (run: RunnableRun) (status: RunStatus) (metrics: (string * float) list) (wallSeconds: float) =
    { Hash = run.Hash; Kind = run.Kind.Id; Label = run.Label; Cell = run.Cells |> List.tryHead |> Option.map Grid.keyOf
      Spec = JsonNode.Parse "{}"; Seed = run.Seed; Status = status
      Error = (if status = Failed then Some "diverged" else None)
      Metrics = Map metrics; Artifacts = Map.empty
      CodeVersion = "t"; Environment = Map.empty; StartedUtc = DateTime.UnixEpoch; FinishedUtc = DateTime.UnixEpoch; WallSeconds = wallSeconds }
