/// A sweep through Slurm (`repro sweep --backend slurm`): the plan's runs that have no record and are not queued
/// already go to Slurm as job arrays (SlurmJobs), each task running `repro ... --slurm-task HASH` on one run against
/// the shared results folder; then the sweep follows them until every one has a record. Killed, it loses nothing:
/// the jobs go on, and the same command later submits only what is neither recorded nor queued and follows the rest.
/// A task that ends without a record (a crash, a timeout, a cancel, a dependency Slurm gave up on) is recorded as
/// failed with the tail of its Slurm log.
module Repro.Harness.SlurmSweep

open System
open System.Diagnostics
open System.IO
open Repro.Core.Training
open Repro.Harness.RunStore
open Repro.Harness.DataSources
open Repro.Harness.RunKinds
open Repro.Harness.Plan
open Repro.Harness.SlurmQueue

type Options =
    { Settings: Profiles.SlurmSettings
      Command: SlurmJobs.TaskCommand
      /// The arrays' job name (the profile's, e.g. "repro-smoke").
      JobName: string
      /// Print the sbatch scripts instead of submitting them.
      DryRun: bool
      /// Follow the tasks until each has a record (false: submit and return).
      Wait: bool
      PollSeconds: float }

/// A task that Slurm no longer lists is taken for ended only when it is missing from this many polls in a row (its
/// record may still be on its way through a shared file system).
let private missingPolls = 2

/// The record that ends `s`'s run: one its task wrote (a retried failure's old record is not), or any success.
let private freshRecord (store: RunStore) (s: Submission) =
    store.TryRead s.Hash |> Option.filter (fun r -> Some r.FinishedUtc <> s.PreviousFinish || r.Status = Succeeded)

/// Records the loss of a task that ended without a record, unless some process still runs its run: a run whose
/// prerequisite failed fails naming it (as in a local sweep), any other with how Slurm says the task ended and the
/// tail of its log.
let private recordLoss (store: RunStore) (run: RunnableRun) (s: Submission) =
    if (freshRecord store s).IsNone && not (RunLock.IsHeld(store, s.Hash)) then
        let prerequisiteFailed = run.RequiredHashes |> List.exists (fun h -> store.TryRead h |> Option.exists (fun r -> r.Status = Failed))
        if prerequisiteFailed then Runner.execute store run (Progress<TrainingProgress>()) Threading.CancellationToken.None |> ignore
        else
            let tail = logTail s.Log 40
            // sacct where accounting is kept; else slurmstepd's own line in the log ("*** JOB 9 ON vm CANCELLED AT …").
            let stepd = tail.Split('\n') |> Array.tryFindBack (fun l -> l.Contains "slurmstepd" && l.Contains "***")
            let how =
                match finalState s.TaskId, stepd with
                | Some state, _ -> sprintf "Slurm says %s" state
                | None, Some line -> line.Substring(line.IndexOf "***").Trim('*', ' ')
                | None, None -> "Slurm no longer lists it, and keeps no accounting here to say why"
            let why = sprintf "Slurm task %s ended without writing a record (%s); log %s" s.TaskId how s.Log
            Directory.CreateDirectory(store.RunDir s.Hash) |> ignore
            store.Write(Runner.failureOf store run s.SubmittedUtc (DateTime.UtcNow - s.SubmittedUtc).TotalSeconds why
                            (why + "\n\nlast lines of the task's log:\n" + tail))

/// The step, total and ETA of a running task, from the last progress line of its log.
let private progressOf (log: string) =
    try
        if not (File.Exists log) then None
        else
            use fs = new FileStream(log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite)
            fs.Seek(max 0L (fs.Length - 8192L), SeekOrigin.Begin) |> ignore
            use reader = new StreamReader(fs)
            reader.ReadToEnd().Split('\n') |> Array.rev |> Array.tryPick Workers.parseProgress
    with :? IOException -> None

/// Follows `watched` (in plan order) until each has a record; (succeeded, failed).
let private follow (store: RunStore) (watched: (RunnableRun * Submission) list) (pollSeconds: float) (ct: Threading.CancellationToken) =
    let total = watched.Length
    let mutable left = watched
    let mutable missing = Map.empty<string, int>
    let mutable succeeded, failed = 0, 0
    let mutable lastStatus = Stopwatch.StartNew()
    let mutable unanswered = 0
    let clock = Stopwatch.StartNew()
    let ended (run: RunnableRun) (s: Submission) (record: RunRecord) =
        left <- left |> List.filter (fun (r, _) -> r.Hash <> run.Hash)
        let n = total - left.Length
        match record.Status with
        | Succeeded ->
            succeeded <- succeeded + 1
            eprintfn "[%d/%d] done  %s (slurm %s): %s (%s)" n total run.Label s.TaskId (LiveBoard.headline record.Metrics) (LiveBoard.duration record.WallSeconds)
        | Failed ->
            failed <- failed + 1
            eprintfn "[%d/%d] FAILED %s (slurm %s): %s" n total run.Label s.TaskId (defaultArg record.Error "?")
    while not left.IsEmpty do
        if ct.IsCancellationRequested then
            eprintfn "slurm: stopped following; %d runs stay with Slurm (`repro plan` shows them, the same command follows them again)" left.Length
            raise (OperationCanceledException ct)
        // A controller that does not answer for a while (a busy cluster) is waited for, not taken for an empty queue.
        let queue =
            try
                let q = queue ()
                unanswered <- 0
                Some q
            with SlurmUnavailable why when unanswered < 30 ->
                unanswered <- unanswered + 1
                eprintfn "slurm: %s (attempt %d of 30; trying again)" why unanswered
                None
        let states = Collections.Generic.List<string * RunnableRun * Submission>()
        match queue with
        | None -> ()
        | Some queue ->
          for run, s in left do
            match freshRecord store s, queue.TryFind s.TaskId with
            | Some record, _ -> ended run s record
            | None, Some state ->
                missing <- missing.Remove run.Hash
                states.Add((state, run, s))
            | None, None ->
                let n = 1 + defaultArg (missing.TryFind run.Hash) 0
                missing <- missing.Add(run.Hash, n)
                if n >= missingPolls then
                    recordLoss store run s
                    freshRecord store s |> Option.iter (ended run s)
        if lastStatus.Elapsed.TotalSeconds >= 30.0 && not left.IsEmpty then
            lastStatus <- Stopwatch.StartNew()
            let running =
                [ for state, run, s in states do
                    if state = "RUNNING" then
                        match progressOf s.Log with
                        | Some(step, steps, _, eta) -> sprintf "%s %d/%d eta %s" run.Label step steps (LiveBoard.duration eta)
                        | None -> sprintf "%s (starting)" run.Label ]
            let pending = states |> Seq.filter (fun (state, _, _) -> state = "PENDING") |> Seq.length
            eprintfn "      slurm: %d/%d ended, %d running, %d pending (%s)%s" (total - left.Length) total running.Length pending
                (LiveBoard.duration clock.Elapsed.TotalSeconds) (if running.IsEmpty then "" else " | " + String.Join(" | ", running))
        if not left.IsEmpty then ct.WaitHandle.WaitOne(TimeSpan.FromSeconds pollSeconds) |> ignore
    succeeded, failed

/// Submits what `runs` still needs to Slurm and (with `o.Wait`) follows it; the same summary as a local sweep.
let run (store: RunStore) (runs: PlannedRun list) (retryFailed: bool) (o: Options) (ct: Threading.CancellationToken) : Sweep.Summary =
    let clock = Stopwatch.StartNew()
    // Held shared while submitting and following: no local sweep meanwhile, any number of Slurm tasks. A dry run
    // writes nothing and takes no lock.
    let noLock = { new IDisposable with member _.Dispose() = () }
    use _folder =
        if o.DryRun then noLock
        else
            match SweepLock.AcquireShared(store.Root, 0.0) with
            | Ok l -> l :> IDisposable
            | Error msg -> raise (Locked msg)
    // One submitter at a time: two would both submit what neither sees queued.
    use _submitting =
        if o.DryRun then noLock
        else
            Directory.CreateDirectory(folder store.Root) |> ignore
            match tryLock (Path.Combine(folder store.Root, "submit.lock")) false 0.0 with
            | Some l -> l :> IDisposable
            | None -> raise (Locked(sprintf "another `repro sweep --backend slurm` is submitting or following runs of %s; let it, or stop it first" store.Root))
    let submissions = load store.Root
    // A dry run also serves where Slurm is not (yet) reachable: then nothing counts as queued.
    let queue = if o.DryRun then (try queue () with SlurmUnavailable _ -> Map.empty) else queue ()
    let inPlan = runnable runs |> List.distinctBy (fun r -> r.Hash)
    let latest = latest submissions
    let held = latest |> Map.filter (fun _ s -> queue.ContainsKey s.TaskId)
    // Tasks of earlier submissions that ended without a record while nobody followed them.
    if not o.DryRun then
        for r in inPlan do
            match latest.TryFind r.Hash with
            | Some s when not (held.ContainsKey r.Hash) && (freshRecord store s).IsNone && (store.TryRead r.Hash).IsNone -> recordLoss store r s
            | _ -> ()
    let todo = Sweep.pending store retryFailed runs |> List.filter (fun r -> not (held.ContainsKey r.Hash))
    let recorded, skippedFailed, blocked = Sweep.leftAsIs store runs todo (held |> Map.keys |> Set.ofSeq)
    let arrays = SlurmJobs.arrays todo (held |> Map.map (fun _ s -> s.TaskId))
    eprintfn "slurm: %d runs to submit in %d arrays, %d queued already%s, %s, %d blocked" todo.Length arrays.Length held.Count
        (if held.IsEmpty then "" else sprintf " (%s)" (String.Join(", ", held |> Map.toList |> List.map (fun (_, s) -> s.TaskId) |> List.truncate 6)))
        (Sweep.recordedText recorded skippedFailed) blocked
    let logs = Path.Combine(folder store.Root, "logs")
    let summary succeeded failed =
        { Sweep.Ran = succeeded; Sweep.Failed = failed; Sweep.Skipped = recorded; Sweep.SkippedFailed = skippedFailed
          Sweep.Blocked = blocked; Sweep.WallSeconds = clock.Elapsed.TotalSeconds }
    if o.DryRun then
        for a in arrays do
            printfn "# array %d of %d: %d runs" a.Number arrays.Length a.Runs.Length
            printf "%s" (SlurmJobs.script o.Settings o.JobName logs o.Command a (SlurmJobs.dependencyOf (sprintf "<job of array %d>") a))
        summary 0 0
    else
        Directory.CreateDirectory logs |> ignore
        let scripts = Path.Combine(folder store.Root, "scripts")
        Directory.CreateDirectory scripts |> ignore
        let stamp = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss")
        let jobIds = Collections.Generic.Dictionary<int, string>()
        let mutable all = submissions
        let mutable submitted = []
        for a in arrays do
            let text = SlurmJobs.script o.Settings o.JobName logs o.Command a (SlurmJobs.dependencyOf (fun n -> jobIds.[n]) a)
            let path = Path.Combine(scripts, sprintf "%s-%s-%d.sbatch" o.JobName stamp a.Number)
            Repro.Core.AtomicFile.WriteAllText(path, text)
            let job = submit path
            jobIds.[a.Number] <- job
            let now = DateTime.UtcNow
            let entries =
                a.Runs |> List.mapi (fun i r ->
                    r, { JobId = job; Task = i; Hash = r.Hash; Label = r.Label; Script = path
                         Log = Path.Combine(logs, sprintf "%s_%d.log" job i); SubmittedUtc = now
                         PreviousFinish = store.TryRead r.Hash |> Option.map (fun x -> x.FinishedUtc) })
            all <- all @ List.map snd entries
            submitted <- submitted @ entries
            save store.Root all
            eprintfn "slurm: submitted array %d/%d as job %s (%d runs%s)" a.Number arrays.Length job a.Runs.Length
                (match SlurmJobs.dependencyOf (fun n -> jobIds.[n]) a with Some d -> ", after " + d.Substring("afterok:".Length) | None -> "")
        if not o.Wait then
            eprintfn "slurm: not following (--no-wait); `repro plan` shows the tasks, and the same command without --no-wait follows them"
            summary 0 0
        else
            let order = runs |> List.mapi (fun i r -> r.Hash, i) |> List.distinctBy fst |> Map.ofList
            let watched =
                (inPlan |> List.choose (fun r -> held.TryFind r.Hash |> Option.map (fun s -> r, s))) @ submitted
                |> List.sortBy (fun (r, _) -> order.[r.Hash])
            let succeeded, failed = follow store watched o.PollSeconds ct
            summary succeeded failed

/// One Slurm task: runs the run `hash` of the plan unless it has a record (a failed one is run again with
/// `retryFailed`) or another process holds it, and writes its record. Holds the folder's lock shared, waiting up to
/// ten minutes for a local sweep to let go. Returns the exit code: 0 once the run has a record (failed runs
/// included: what waits for this task then records why it cannot run), 1 where it could not be run.
let task (store: RunStore) (runs: PlannedRun list) (hash: string) (retryFailed: bool) (progress: IProgress<TrainingProgress>) (ct: Threading.CancellationToken) =
    let run =
        match runnable runs |> List.tryFind (fun r -> r.Hash = hash) with
        | Some r -> r
        | None -> raise (ArgumentException(sprintf "--slurm-task %s: no runnable run with this hash in the profile's plan" hash))
    match SweepLock.AcquireShared(store.Root, 600.0) with
    | Error msg ->
        eprintfn "error: %s" msg
        1
    | Ok folderLock ->
        use _ = folderLock
        match RunLock.TryAcquire(store, hash, 10.0) with
        | None ->
            eprintfn "run %s (%s) is being run by another process; leaving it to that one" hash run.Label
            0
        | Some runLock ->
            use _ = runLock
            match store.TryRead hash with
            | Some r when not (retryFailed && r.Status = Failed) ->
                eprintfn "run %s (%s) is recorded already (%A); nothing to do" hash run.Label r.Status
                0
            | _ ->
                let record = Runner.execute store run progress ct
                match record.Status with
                | Succeeded -> eprintfn "%s: %s (%s)" run.Label (LiveBoard.headline record.Metrics) (LiveBoard.duration record.WallSeconds)
                | Failed -> eprintfn "%s FAILED: %s" run.Label (defaultArg record.Error "?")
                0
