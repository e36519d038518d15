/// The plan as Slurm job arrays: runs that wait for the same tasks share one array, one array task per run, and an
/// array starts once every task it waits for has exited 0 (`--dependency=afterok` on those tasks, not on whole
/// arrays, so a student waits for its own pseudo labels only). Pure: what to submit, rendered as sbatch scripts.
module Repro.Harness.SlurmJobs

open System
open Repro.Harness.DataSources
open Repro.Harness.RunKinds
open Repro.Harness.Plan

/// A task an array waits for: one of this submission's (array number, task index), or one queued earlier ("12_3").
type Dependency =
    | InThisSubmission of array: int * task: int
    | Queued of taskId: string

/// One sbatch submission: task i runs Runs.[i].
type JobArray =
    { /// 1-based, in submission order; an array depends only on arrays before it.
      Number: int
      Runs: RunnableRun list
      After: Dependency list }

/// `todo` (in plan order) as job arrays. `queued`: runs of earlier submissions that Slurm still holds (hash → task
/// id); a run requiring one waits for it. Requirements with a record (or outside both) need no waiting.
let arrays (todo: RunnableRun list) (queued: Map<string, string>) : JobArray list =
    let placed = Collections.Generic.Dictionary<string, int * int>()
    let arrays = Collections.Generic.List<JobArray>()
    for run in todo |> List.distinctBy (fun r -> r.Hash) do
        let after =
            run.RequiredHashes
            |> List.choose (fun h ->
                match placed.TryGetValue h with
                | true, (a, t) -> Some(InThisSubmission(a, t))
                | _ -> queued.TryFind h |> Option.map Queued)
            |> List.distinct |> List.sort
        match arrays |> Seq.tryFindIndex (fun a -> a.After = after) with
        | Some i ->
            let a = arrays.[i]
            placed.[run.Hash] <- (a.Number, a.Runs.Length)
            arrays.[i] <- { a with Runs = a.Runs @ [ run ] }
        | None ->
            let number = arrays.Count + 1
            placed.[run.Hash] <- (number, 0)
            arrays.Add { Number = number; Runs = [ run ]; After = after }
    List.ofSeq arrays

/// How a task starts `repro` on its run: the program (e.g. dotnet and repro.dll, on a path every node sees), the
/// sweep arguments (profile, data, results), the folder to start in, and the environment to hand down.
type TaskCommand =
    { Program: string list
      Arguments: string list
      WorkingDirectory: string
      Environment: (string * string) list }

/// A shell word that the shell reads back as exactly `s`.
let quote (s: string) = "'" + s.Replace("'", "'\\''") + "'"

/// Slurm's time format for a limit of `seconds`: "HH:MM:SS", or "D-HH:MM:SS" from a day on.
let timeLimit (seconds: float) =
    let t = TimeSpan.FromSeconds(Math.Ceiling seconds)
    if t.Days > 0 then sprintf "%d-%02d:%02d:%02d" t.Days t.Hours t.Minutes t.Seconds
    else sprintf "%02d:%02d:%02d" t.Hours t.Minutes t.Seconds

/// The wall-time limit of an array's tasks: the profile's, or 4 × its largest run estimate, at least 15 minutes.
let timeOf (settings: Profiles.SlurmSettings) (array: JobArray) =
    match settings.Time with
    | Some t -> t
    | None -> timeLimit (max 900.0 (4.0 * (array.Runs |> List.map (fun r -> r.EstimatedSeconds) |> List.max)))

/// The `afterok` list of an array, given the job id of each earlier array of this submission.
let dependencyOf (jobIdOf: int -> string) (array: JobArray) =
    match array.After with
    | [] -> None
    | after ->
        let ids = after |> List.map (function InThisSubmission(a, t) -> sprintf "%s_%d" (jobIdOf a) t | Queued id -> id)
        Some("afterok:" + String.Join(":", ids))

/// The sbatch script of one array. `name`: the job name; `logs`: the folder of the tasks' logs; `dependency`: from
/// dependencyOf. A task exits 0 whenever it wrote its run's record, failed runs included, so that only a task that
/// died without one (a crash, a timeout, a cancel) holds back what waits for it; Slurm then cancels those
/// (`--kill-on-invalid-dep`) and the following sweep records why.
let script (settings: Profiles.SlurmSettings) (name: string) (logs: string) (command: TaskCommand) (array: JobArray) (dependency: string option) =
    let lines =
        [ yield "#!/bin/bash"
          yield sprintf "#SBATCH --job-name=%s" name
          yield sprintf "#SBATCH --array=0-%d" (array.Runs.Length - 1)
          yield sprintf "#SBATCH --output=%s/%%A_%%a.log" logs
          yield sprintf "#SBATCH --chdir=%s" command.WorkingDirectory
          yield sprintf "#SBATCH --cpus-per-task=%d" settings.CpusPerTask
          yield sprintf "#SBATCH --mem=%dM" (int (Math.Ceiling(settings.MemoryGb * 1024.0)))
          yield sprintf "#SBATCH --time=%s" (timeOf settings array)
          match settings.Partition with
          | Some p -> yield sprintf "#SBATCH --partition=%s" p
          | None -> ()
          match settings.Account with
          | Some a -> yield sprintf "#SBATCH --account=%s" a
          | None -> ()
          if settings.GpusPerTask > 0 then yield sprintf "#SBATCH --gres=gpu:%d" settings.GpusPerTask
          match dependency with
          | Some d ->
              yield sprintf "#SBATCH --dependency=%s" d
              yield "#SBATCH --kill-on-invalid-dep=yes"
          | None -> ()
          for o in settings.Options do yield sprintf "#SBATCH %s" o
          yield "# Task i runs the run of hash runs[i]:"
          for i, r in List.indexed array.Runs do yield sprintf "#   %d  %s  %s" i r.Hash r.Label
          yield "set -euo pipefail"
          yield sprintf "runs=(%s)" (String.Join(" ", array.Runs |> List.map (fun r -> r.Hash)))
          for k, v in command.Environment do yield sprintf "export %s=%s" k (quote v)
          let words = command.Program @ command.Arguments @ [ "--threads"; string settings.CpusPerTask; "--slurm-task" ] |> List.map quote
          yield sprintf "exec %s \"${runs[$SLURM_ARRAY_TASK_ID]}\"" (String.Join(" ", words)) ]
    String.Join("\n", lines) + "\n"
