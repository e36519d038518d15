/// Talking to Slurm (sbatch, squeue, sacct, run as processes), and what a results folder has submitted to it: which
/// Slurm task runs which run, kept in <results>/slurm/submissions.json, so that any later `repro` on any node can
/// tell a queued run from a lost one.
module Repro.Harness.SlurmQueue

open System
open System.Diagnostics
open System.IO

/// One array task that runs one run.
type Submission =
    { /// The job id sbatch gave the array.
      JobId: string
      Task: int
      Hash: string
      Label: string
      Script: string
      /// The task's stdout and stderr (progress lines, errors), written by Slurm.
      Log: string
      SubmittedUtc: DateTime
      /// The run's record's finish time when the task was submitted (a retried failure has one): a record no newer is
      /// not this task's.
      PreviousFinish: DateTime option }

    /// Slurm's name of the task, as squeue prints it and dependencies name it ("12_3").
    member s.TaskId = sprintf "%s_%d" s.JobId s.Task

/// Slurm's tools cannot be run here (not installed, or no controller answers).
exception SlurmUnavailable of detail: string with
    override e.Message = e.detail

let folder (root: string) = Path.Combine(root, "slurm")
let submissionsPath (root: string) = Path.Combine(folder root, "submissions.json")

let load (root: string) : Submission list =
    let path = submissionsPath root
    if File.Exists path then CanonicalJson.readFile<Submission list> path else []

/// Rewritten whole and atomically after each sbatch, so a submitter killed mid-way loses no job id.
let save (root: string) (submissions: Submission list) =
    Repro.Core.AtomicFile.WriteAllText(submissionsPath root, CanonicalJson.pretty submissions + "\n")

/// The latest submission of each run.
let latest (submissions: Submission list) =
    submissions |> List.sortBy (fun s -> s.SubmittedUtc) |> List.fold (fun (m: Map<string, Submission>) s -> m.Add(s.Hash, s)) Map.empty

let private onPath (tool: string) =
    (defaultArg (Option.ofObj (Environment.GetEnvironmentVariable "PATH")) "").Split(':', StringSplitOptions.RemoveEmptyEntries)
    |> Array.exists (fun d -> File.Exists(Path.Combine(d, tool)))

/// Runs a Slurm tool; (exit code, stdout, stderr).
let private tool (name: string) (args: string list) =
    if not (onPath name) then raise (SlurmUnavailable(sprintf "%s is not on PATH: `--backend slurm` needs Slurm's client tools (sbatch, squeue)" name))
    let psi = ProcessStartInfo(name, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false)
    for a in args do psi.ArgumentList.Add a
    use p = Process.Start psi
    let err = p.StandardError.ReadToEndAsync()
    let out = p.StandardOutput.ReadToEnd()
    p.WaitForExit()
    p.ExitCode, out, err.Result

/// Submits a batch script; returns its job id.
let submit (script: string) =
    match tool "sbatch" [ "--parsable"; script ] with
    | 0, out, _ -> out.Trim().Split(';').[0]
    | code, out, err -> failwithf "sbatch %s failed (exit %d): %s" script code ((err + out).Trim())

/// The tasks Slurm holds for this user now (pending, running, completing), by task id ("12_3") → state ("PENDING",
/// "RUNNING", …). A controller that does not answer is an error, never an empty queue: an empty answer would look
/// as if every task had vanished.
let queue () : Map<string, string> =
    match tool "squeue" [ "--noheader"; "--array"; "--user=" + Environment.UserName; "--format=%F_%K|%T" ] with
    | 0, out, _ ->
        out.Split('\n', StringSplitOptions.RemoveEmptyEntries ||| StringSplitOptions.TrimEntries)
        |> Array.choose (fun line ->
            match line.Split('|') with
            | [| id; state |] -> Some(id, state)
            | _ -> None)
        |> Map.ofArray
    | code, out, err -> raise (SlurmUnavailable(sprintf "squeue failed (exit %d): %s" code ((err + out).Trim())))

/// How Slurm says a task ended ("CANCELLED by 0", "TIMEOUT 0:0", …), where accounting is kept; None where it is not.
let finalState (taskId: string) =
    try
        match tool "sacct" [ "--noheader"; "--parsable2"; "--allocations"; "--jobs=" + taskId; "--format=State,ExitCode" ] with
        | 0, out, _ ->
            out.Split('\n', StringSplitOptions.RemoveEmptyEntries ||| StringSplitOptions.TrimEntries)
            |> Array.tryHead |> Option.map (fun l -> l.Replace('|', ' '))
        | _ -> None
    with SlurmUnavailable _ -> None

/// This folder's submissions Slurm still holds, with their states; [] where the folder never submitted. Raises
/// SlurmUnavailable where it did and Slurm cannot be asked.
let live (root: string) =
    match load root with
    | [] -> []
    | submissions ->
        let q = queue ()
        submissions |> List.choose (fun s -> q.TryFind s.TaskId |> Option.map (fun state -> s, state))

/// A local sweep must not start while Slurm tasks of its folder are queued: they would run the same runs beside it.
/// (Running tasks also hold the folder's lock shared, so a local sweep cannot take it from them.) Where Slurm cannot
/// be asked, the check is skipped with a warning: queued tasks then wait for the local sweep's lock when they start.
let refuseLocalSweepBesideQueued (root: string) =
    try
        match live root with
        | [] -> ()
        | queued ->
            let ids = queued |> List.map (fun (s, _) -> s.TaskId)
            raise (RunStore.Locked(sprintf "%s has %d runs queued or running under Slurm (%s%s): follow them with `repro sweep --backend slurm`, or scancel them, before a local sweep"
                                       root ids.Length (String.Join(", ", List.truncate 5 ids)) (if ids.Length > 5 then ", …" else "")))
    with SlurmUnavailable why ->
        eprintfn "sweep: %s lists Slurm submissions but Slurm cannot be asked about them (%s); going on" (submissionsPath root) why

/// The last lines of a task's log (for a failure record).
let logTail (path: string) (lines: int) =
    if File.Exists path then
        let all = File.ReadAllLines path
        String.Join("\n", all |> Array.skip (max 0 (all.Length - lines)))
    else sprintf "(no log at %s: the task never started)" path
