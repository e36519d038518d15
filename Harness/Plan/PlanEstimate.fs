/// The planner's time estimates, checked against what recorded runs took: `repro plan` shows the wall time of what is
/// left on the profile's workers, and, once runs are recorded, how far off the estimates were and the remainder
/// scaled by that.
module Repro.Harness.PlanEstimate

open Repro.Harness.RunKinds
open Repro.Harness.RunStore

/// The wall time of runs taking `seconds` each, in that order, on `workers` that each take the next run when free
/// (what a local sweep does; waits on prerequisites are not modelled).
let wallSeconds (workers: int) (seconds: float list) =
    let free = Array.zeroCreate<float> (max 1 workers)
    for s in seconds do
        let i = Array.findIndex ((=) (Array.min free)) free
        free.[i] <- free.[i] + s
    Array.max free

/// Recorded successful runs of the plan: how many, their estimated and their measured seconds.
type Check =
    { Runs: int
      EstimatedSeconds: float
      TookSeconds: float }

    member c.Ratio = if c.EstimatedSeconds > 0.0 then c.TookSeconds / c.EstimatedSeconds else nan

let check (read: string -> RunRecord option) (runs: PlannedRun list) =
    let recorded =
        runnable runs |> List.distinctBy (fun r -> r.Hash)
        |> List.choose (fun r -> read r.Hash |> Option.filter (fun x -> x.Status = Succeeded) |> Option.map (fun x -> r, x))
    { Runs = recorded.Length
      EstimatedSeconds = recorded |> List.sumBy (fun (r, _) -> r.EstimatedSeconds)
      TookSeconds = recorded |> List.sumBy (fun (_, x) -> x.WallSeconds) }
