module Repro.Harness.Program

open System
open System.IO
open Argu
open Repro.Harness.Cli

let private dataCacheDefault = Path.Combine("results", "data")

/// Progress lines for miniature generation (a line per part at 0/25/50/75/100%).
let private miniatureProgress () =
    let last = Collections.Generic.Dictionary<string, int>()
    { new IProgress<Repro.Core.Data.Miniature.MiniatureProgress> with
        member _.Report p =
            lock last (fun () ->
                let pct = if p.Total = 0 then 100 else 100 * p.Done / p.Total
                let prev = match last.TryGetValue p.Part with | true, v -> v | _ -> -1
                if pct / 25 <> prev / 25 || p.Done = p.Total && prev <> 100 then
                    last.[p.Part] <- pct
                    eprintfn "  %-24s %3d%% (%d/%d)" p.Part pct p.Done p.Total) }

/// The profile's device, checked before anything runs: an unknown name is refused by every command, CUDA this process
/// does not have by the commands that train (each run would otherwise be recorded as failed for it).
let private checkDevice (profile: Profiles.Profile) (training: bool) =
    let refuse why = raise (ArgumentException(sprintf "--device %s: %s" profile.Device why))
    let struct (kind, index) =
        try Repro.Core.Training.TrainingDevice.Parse profile.Device
        with :? ArgumentException -> refuse (sprintf "unknown device (accepted: %s)" Repro.Core.Training.TrainingDevice.Accepted)
    if training && kind = TorchSharp.DeviceType.CUDA then
        if not (TorchSharp.torch.cuda.is_available ()) then
            refuse "CUDA is not available to this process (a CPU-only libtorch, TorchSharp-cpu, or no GPU visible); use --device cpu"
        elif index >= TorchSharp.torch.cuda.device_count () then
            refuse (sprintf "only %d CUDA device(s) are visible" (TorchSharp.torch.cuda.device_count ()))

/// The top level's options: the ones every planning or training command shares, as given.
let private sharedOptions (top: ParseResults<ReproArgs>) =
    top.GetAllResults()
    |> List.filter (function
        | Profile _ | Results _ | Data_Cache _ | Coco_Root _ | Voc_Root _ | Imagenet_Root _ | Device _ | Threads _ -> true
        | _ -> false)

/// The profile the top level's options name, with their overrides, its resolved data and its results store.
/// `training`: the command will train, so its device must be there and its data must still be what its identity says.
let private resolveProfile (training: bool) (top: ParseResults<ReproArgs>) =
    let name = top.GetResult(Profile, defaultValue = "default")
    let coco, voc, imagenet = top.TryGetResult Coco_Root, top.TryGetResult Voc_Root, top.TryGetResult Imagenet_Root
    let device, threads = top.TryGetResult Device, top.TryGetResult Threads
    let results, cache = top.TryGetResult Results, top.TryGetResult Data_Cache
    let profile =
        match name with
        | "smoke" -> Profiles.smoke
        | "default" -> Profiles.defaultProfile
        | "full" -> Profiles.full
        | "paper" ->
            match coco with
            | Some coco -> Profiles.paper coco voc imagenet (defaultArg device "cuda")
            | None -> raise (ArgumentException "--profile paper needs --coco-root (COCO 2017 on disk)")
        | other -> raise (ArgumentException(sprintf "unknown profile '%s' (%s)" other (String.Join(" | ", Profiles.names))))
    if name <> "paper" then
        for flag, value in [ "--coco-root", coco; "--voc-root", voc; "--imagenet-root", imagenet ] do
            if value.IsSome then raise (ArgumentException(sprintf "%s only applies to --profile paper (profile %s uses the miniature)" flag name))
    let profile = match device with Some d when name <> "paper" -> { profile with Device = d } | _ -> profile
    // Never more threads than the cores this process may use (.NET counts its CPU affinity and cgroup quota, not the
    // machine's cores): more only make libtorch's threads wait on each other.
    let cores = Environment.ProcessorCount
    let capped (asked: string) (n: int) =
        if n > cores then
            eprintfn "%s: %d threads capped at %d, the cores available to this process" asked n cores
            cores
        else n
    let profile =
        match threads with
        | Some n when n < 0 -> raise (ArgumentException(sprintf "--threads must be >= 0 (0 = libtorch's default), got %d" n))
        | Some n -> { profile with Threads = capped "--threads" n }
        | None -> { profile with Threads = capped (sprintf "profile %s" profile.Name) profile.Threads }
    let store = RunStore.RunStore(defaultArg results (Path.Combine("results", profile.Name)))
    Repro.Core.Native.TorchNativeLoader.EnsureLoaded() |> ignore
    checkDevice profile training
    let cache = defaultArg cache dataCacheDefault
    let data =
        try DataSources.resolveData profile cache (Some(miniatureProgress ()))
        with :? IOException when profile.Data.IsMiniature ->
            // Generating into the cache failed: name the flag if the cache cannot be written (probed only now, so a
            // read-only cache that holds the data stays usable), else it is the work that failed.
            RunStore.ensureWritable "--data-cache" cache
            reraise ()
    if training then DataSources.verifyData data
    profile, store, data

let private paperTablesDefault = "paper-tables"

/// Where the profile's schedule table lives: its path taken from the repository the paper tables are in (the folder
/// above `paperTables`), so that it is found from any working directory that finds the paper tables.
let private scheduleTablePath (profile: Profiles.Profile) (paperTables: string) =
    profile.ScheduleTable
    |> Option.map (fun path ->
        match Path.GetDirectoryName(Path.GetFullPath(paperTables).TrimEnd(Path.DirectorySeparatorChar)) with
        | null -> path
        | root -> Path.Combine(root, path))

/// The table at `path`, if written, checked against the profile (its first seed, its minival share).
let private readScheduleTable (profile: Profiles.Profile) (path: string) =
    ScheduleTable.tryRead path profile.Name (List.head profile.Seeds) profile.Ladder

/// The profile's schedule table, where it has one and it has been written; entries that name no cell of the tables
/// are refused.
let private scheduleTableOf (profile: Profiles.Profile) (paperTables: string) (tables: PaperTables.PaperTable list) =
    scheduleTablePath profile paperTables
    |> Option.bind (fun path ->
        let t = readScheduleTable profile path
        t |> Option.iter (ScheduleCalibration.checkCells path (Grid.cells tables))
        t)

/// The line `plan` and `sweep` show about the profile's schedule table (none for a profile without one).
let private scheduleTableLine (profile: Profiles.Profile) (paperTables: string) (table: ScheduleTable.ScheduleTable option) =
    match scheduleTablePath profile paperTables, table with
    | Some path, Some t -> Some(sprintf "schedule table: %s (%d cells at their calibrated steps; the others climb their ladders)" path t.Entries.Length)
    | Some path, None -> Some(sprintf "schedule table: %s not written yet (repro sweep --calibrate): every cell climbs its ladder" path)
    | None, _ -> None

/// The profile's schedule calibration as far as its records take it.
let private calibrationOf (profile: Profiles.Profile) (store: RunStore.RunStore) (data: DataSources.ResolvedData) (tables: PaperTables.PaperTable list) =
    if profile.ScheduleTable.IsNone then
        raise (ArgumentException(sprintf "--calibrate: profile %s has no schedule table to calibrate (its cells train at the profile's own steps)" profile.Name))
    let inScope, _ = Grid.scoped profile.Scope tables
    ScheduleCalibration.calibrate profile data store.RunsRoot (Grid.schedules tables) inScope store.TryRead

/// The profile, its results store and its plan of the paper's tables in `paperTables` (or, with `calibrate`, of its
/// schedule calibration), restricted to the runs `only` selects (all of them when it is empty).
let private planned (training: bool) (top: ParseResults<ReproArgs>) (paperTables: string) (only: string list) (calibrate: bool) =
    let profile, store, data = resolveProfile training top
    let tables = PaperTables.loadAll paperTables
    let runs =
        if calibrate then
            let c = calibrationOf profile store data tables
            // A student's runs appear once its teacher is settled: until then a text naming it selects nothing yet.
            let waiting (text: string) =
                not (List.exists (Plan.matches text) c.Runs)
                && c.Pending |> List.exists (fun (cell, _) -> cell.Name.Contains(text, StringComparison.OrdinalIgnoreCase))
            match only |> List.partition waiting with
            | [], [] -> c.Runs
            | later, now ->
                for text in later do
                    eprintfn "--only \"%s\": no run yet; it names a cell whose ladder starts once its teacher's schedule is settled" text
                if now.IsEmpty then [] else Plan.only now c.Runs
        else
            let table = scheduleTableOf profile paperTables tables
            if training then scheduleTableLine profile paperTables table |> Option.iter (eprintfn "%s")
            let runs = Plan.planProfile profile data store.RunsRoot tables table
            match only with [] -> runs | texts -> Plan.only texts runs
    profile, store, paperTables, data, runs

/// `planned` for the commands that look at the grid.
let private plannedGrid (top: ParseResults<ReproArgs>) (a: ParseResults<GridArgs>) =
    planned false top (a.GetResult(GridArgs.Paper_Tables, defaultValue = paperTablesDefault)) (a.GetResults GridArgs.Only) (a.Contains GridArgs.Calibrate)

/// `planned` for the commands that run the grid.
let private plannedSweep (top: ParseResults<ReproArgs>) (a: ParseResults<SweepArgs>) =
    planned true top (a.GetResult(SweepArgs.Paper_Tables, defaultValue = paperTablesDefault)) (a.GetResults SweepArgs.Only) (a.Contains SweepArgs.Calibrate)

/// The command line of another `repro sweep` process: this one's shared options and the sweep's own.
let private sweepCommandLine (top: ParseResults<ReproArgs>) (shared: ReproArgs list) (own: SweepArgs list) =
    let sweepParser = top.Parser.GetSubCommandParser <@ Sweep @>
    "sweep" :: List.ofArray (top.Parser.PrintCommandLineArguments shared) @ List.ofArray (sweepParser.PrintCommandLineArguments own)

let private plan (top: ParseResults<ReproArgs>) (a: ParseResults<GridArgs>) =
    let profile, store, paperTables, data, runs = plannedGrid top a
    let tables = PaperTables.loadAll paperTables
    let schedules = Grid.schedules tables
    let table = scheduleTableOf profile paperTables tables
    printfn "profile %s: %s" profile.Name profile.Description
    printfn "data: %s" data.Description
    scheduleTableLine profile paperTables table |> Option.iter (printfn "%s")
    // The runs Slurm holds for this folder now, by hash (a folder that never submitted asks nothing of Slurm).
    let withSlurm =
        try SlurmQueue.live store.Root |> List.map (fun (s, state) -> s.Hash, (state, s.TaskId)) |> Map.ofList
        with SlurmQueue.SlurmUnavailable why ->
            eprintfn "plan: %s lists Slurm submissions, but Slurm cannot be asked about them (%s)" (SlurmQueue.submissionsPath store.Root) why
            Map.empty
    let statuses = runs |> List.map (fun r -> r, PlanStatus.of' withSlurm (store.TryRead r.Hash) r)
    // A cell's steps and α, and where they come from (Appendix H, or the profile where the paper's are not in use).
    let schedule (r: RunKinds.PlannedRun) =
        match r with
        | RunKinds.Runnable({ Cells = cell :: _ } as run) ->
            let s = Plan.scheduleOf profile schedules table cell
            let alpha = if cell.SelfTraining then sprintf ", α %g" s.Alpha else ""
            let steps = run.Kind.Steps
            if a.Contains GridArgs.Calibrate then sprintf "  [%d steps, calibration rung%s]" steps alpha
            else
                let ladder =
                    if s.Rungs.Length > 1 then
                        sprintf " of ladder %s × %d, picked on minival" (profile.Ladder.Factors |> List.map (sprintf "%g") |> String.concat "/") s.Steps
                    else ""
                sprintf "  [%d steps%s, %s%s]" steps ladder s.Source alpha
        | _ -> ""
    for r, st in statuses do printfn "  %-16s %-52s %s%s" r.Hash r.Label st.Text (schedule r)
    let todo = Sweep.pending store false runs |> List.filter (fun r -> not (withSlurm.ContainsKey r.Hash))
    let count (is: PlanStatus.PlanStatus -> bool) = statuses |> List.filter (snd >> is) |> List.length
    let slurmCount = count (function PlanStatus.UnderSlurm _ -> true | _ -> false)
    let todoSeconds = todo |> List.map (fun r -> r.EstimatedSeconds)
    printfn "%d runs: %d to do (~%.1f min of run time, ~%.1f min on %d worker(s)), %d recorded, %d blocked%s" runs.Length todo.Length
        (List.sum todoSeconds / 60.0) (PlanEstimate.wallSeconds profile.Workers todoSeconds / 60.0) profile.Workers
        (count (function PlanStatus.Recorded _ -> true | _ -> false)) (count (function PlanStatus.Blocked _ -> true | _ -> false))
        (if slurmCount > 0 then sprintf ", %d with Slurm" slurmCount else "")
    let estimates = PlanEstimate.check store.TryRead runs
    if estimates.Runs > 0 then
        printfn "estimates against records: %d recorded runs took %.1f min, estimated %.1f min (x%.2f); what is left, scaled so: ~%.1f min on %d worker(s)"
            estimates.Runs (estimates.TookSeconds / 60.0) (estimates.EstimatedSeconds / 60.0) estimates.Ratio
            (PlanEstimate.wallSeconds profile.Workers (todoSeconds |> List.map ((*) estimates.Ratio)) / 60.0) profile.Workers
    if a.Contains GridArgs.Calibrate then
        printfn "\nschedule calibration (seed %d) so far:\n%s" (List.head profile.Seeds)
            (ScheduleCalibration.toMarkdown (calibrationOf profile store data tables))
    ExitCode.Ok

/// The process's Ctrl-C token (one handler, however many sweeps a command runs).
let private cancellationToken =
    lazy
        (let cts = new Threading.CancellationTokenSource()
         Console.CancelKeyPress.Add(fun e ->
             if not cts.IsCancellationRequested then
                 e.Cancel <- true
                 eprintfn "stopping after a checkpoint (Ctrl-C again to kill); the next sweep resumes from it"
                 cts.Cancel())
         cts.Token)

let private cancellation () = cancellationToken.Force()

/// A worker's parent: the worker stops (at a checkpoint, leaving no record) when that process is gone, so a killed
/// sweep leaves no orphan writing into the results folder.
let private parentPidVariable = "REPRO_SWEEP_PARENT_PID"

/// Cancelled when the process named by `pid` has exited (polled each second).
let private whenParentExits (pid: int) (cts: Threading.CancellationTokenSource) =
    let alive () =
        try
            use p = Diagnostics.Process.GetProcessById pid
            not p.HasExited
        with _ -> false
    let watcher =
        Threading.Thread((fun () ->
            while alive () && not cts.IsCancellationRequested do Threading.Thread.Sleep 1000
            if not cts.IsCancellationRequested then
                eprintfn "the sweep that started this worker (pid %d) is gone; stopping at a checkpoint" pid
                cts.Cancel()), IsBackground = true)
    watcher.Start()

/// How a worker process is started for one run: this program, `sweep` with the same profile and data arguments,
/// `--threads` and `--execute HASH` (the worker re-plans, finds the run by its hash and executes it).
let private workerStart (top: ParseResults<ReproArgs>) (a: ParseResults<SweepArgs>) (threads: int) (run: RunKinds.RunnableRun) =
    let psi = Workers.thisProgram ()
    let shared = sharedOptions top |> List.filter (function Threads _ -> false | _ -> true)
    let kept =
        a.GetAllResults()
        |> List.filter (function SweepArgs.Only _ | SweepArgs.Retry_Failed | Workers _ | Max_Memory_Gb _ | Execute _ -> false | _ -> true)
    for arg in sweepCommandLine top (shared @ [ Threads threads ]) (kept @ [ Execute run.Hash ]) do
        psi.ArgumentList.Add arg
    psi.Environment.["REPRO_PLAIN_PROGRESS"] <- "1"
    psi.Environment.[parentPidVariable] <- string Environment.ProcessId
    psi.Environment.[Runner.codeVersionVariable] <- Runner.codeVersion.Force()
    psi

/// The line a sweep ends with, whichever backend ran it.
let private reportDone (s: Sweep.Summary) =
    eprintfn "sweep done: %d ran, %d failed, %s, %d blocked (%.1f min)" s.Ran s.Failed (Sweep.recordedText s.Skipped s.SkippedFailed) s.Blocked
        (s.WallSeconds / 60.0)

/// Progress as `@progress` lines on stdout: a local worker's parent, or a Slurm task's follower (through its log), reads them.
let private progressLines =
    { new IProgress<Repro.Core.Training.TrainingProgress> with
        member _.Report p = Console.Out.WriteLine(Workers.formatProgress p); Console.Out.Flush() }

let private localSweep (top: ParseResults<ReproArgs>) (a: ParseResults<SweepArgs>) (profile: Profiles.Profile) store runs =
    let asked = a.GetResult(Workers, defaultValue = profile.Workers)
    if asked < 1 then raise (ArgumentException(sprintf "--workers must be >= 1, got %d" asked))
    // More workers than the cores and memory allow would only be killed by the watchdog or slow each other down.
    let cores, available = Environment.ProcessorCount, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes
    let workers = min asked (Workers.allowed cores available)
    if workers < asked then
        eprintfn "sweep: %s capped at %d (%d cores available to this process, %.1f GB of memory, at least %.1f GB per worker)"
            (if a.Contains Workers then sprintf "--workers %d" asked else sprintf "profile %s's %d workers" profile.Name asked)
            workers cores (float available / 1e9) (Workers.minMemoryPerWorker / 1e9)
    let ct = cancellation ()
    // The code version is the one the sweep started with, whatever happens to the working tree meanwhile.
    Runner.codeVersion.Force() |> ignore
    let inWorkers =
        if workers = 1 then None
        else
            // Workers × threads never above the cores (workers are at most the cores already).
            let threads =
                let asked = if top.Contains Threads then profile.Threads else max 1 (profile.Threads / workers)
                let fit = max 1 (cores / workers)
                if asked > fit then
                    eprintfn "sweep: %d thread(s) per worker capped at %d: %d workers share %d cores" asked fit workers cores
                    fit
                else asked
            let memory =
                match a.TryGetResult Max_Memory_Gb with
                | Some gb when gb <= 0.0 -> raise (ArgumentException(sprintf "--max-memory-gb must be > 0, got %g" gb))
                | Some gb -> int64 (gb * 1e9)
                | None -> int64 (0.9 * float available / float workers)
            eprintfn "sweep: %d workers, %d thread(s) each, memory limit %.1f GB each" workers threads (float memory / 1e9)
            Some(workers, fun todo board -> Workers.run store todo workers (workerStart top a threads) memory board ct |> fst)
    let s = Sweep.run store runs (a.Contains SweepArgs.Retry_Failed) inWorkers ct
    reportDone s
    s

/// The flags that only mean something to the Slurm backend.
let private slurmOnly (arg: SweepArgs) =
    match arg with
    | Dry_Run | No_Wait | Poll_Seconds _ | Partition _ | Account _ | Time _ | Mem_Gb _ | Cpus_Per_Task _ | Gpus_Per_Task _
    | Sbatch_Option _ -> true
    | _ -> false

/// The profile's Slurm settings with the command line's overrides, checked.
let private slurmSettings (a: ParseResults<SweepArgs>) (profile: Profiles.Profile) : Profiles.SlurmSettings =
    let s = profile.Slurm
    let atLeast (flag: string) (bound: int) (value: int) =
        if value < bound then raise (ArgumentException(sprintf "%s must be >= %d, got %d" flag bound value))
        value
    let time =
        a.TryGetResult Time
        |> Option.map (fun t ->
            // Slurm's forms: minutes, M:S, H:M:S, D-H, D-H:M, D-H:M:S.
            if not (Text.RegularExpressions.Regex.IsMatch(t, @"^(\d+-\d+(:\d+){0,2}|\d+(:\d+){0,2})$")) then
                raise (ArgumentException(sprintf "--time %s: not a Slurm time limit (e.g. 90, 02:00:00, 1-12:00:00)" t))
            t)
    { s with
        Partition = a.TryGetResult Partition |> Option.orElse s.Partition
        Account = a.TryGetResult Account |> Option.orElse s.Account
        Time = time |> Option.orElse s.Time
        MemoryGb = a.TryGetResult Mem_Gb |> Option.map (fun g -> if g <= 0.0 then raise (ArgumentException(sprintf "--mem-gb must be > 0, got %g" g)) else g) |> Option.defaultValue s.MemoryGb
        CpusPerTask = a.TryGetResult Cpus_Per_Task |> Option.map (atLeast "--cpus-per-task" 1) |> Option.defaultValue s.CpusPerTask
        GpusPerTask = a.TryGetResult Gpus_Per_Task |> Option.map (atLeast "--gpus-per-task" 0) |> Option.defaultValue s.GpusPerTask
        Options = s.Options @ a.GetResults Sbatch_Option }

/// How a Slurm task starts this program on one run: `sweep` with the same profile, data and selection arguments, the
/// results folder as an absolute path, in this working directory, with this sweep's code version.
let private slurmTaskCommand (top: ParseResults<ReproArgs>) (a: ParseResults<SweepArgs>) (store: RunStore.RunStore) : SlurmJobs.TaskCommand =
    let psi = Workers.thisProgram ()
    let shared = sharedOptions top |> List.filter (function Results _ | Threads _ -> false | _ -> true)
    let kept =
        a.GetAllResults()
        |> List.filter (fun arg ->
            not (slurmOnly arg)
            && (match arg with
                | Workers _ | Max_Memory_Gb _ | Execute _ | Slurm_Task _ | Backend _ -> false
                | _ -> true))
    { Program = psi.FileName :: List.ofSeq psi.ArgumentList
      Arguments = sweepCommandLine top (shared @ [ Results(Path.GetFullPath store.Root) ]) kept
      WorkingDirectory = Environment.CurrentDirectory
      Environment = [ Runner.codeVersionVariable, Runner.codeVersion.Force(); "REPRO_PLAIN_PROGRESS", "1" ] }

let private slurmSweep (top: ParseResults<ReproArgs>) (a: ParseResults<SweepArgs>) (profile: Profiles.Profile) (store: RunStore.RunStore) runs =
    if a.Contains Workers || a.Contains Max_Memory_Gb then
        raise (ArgumentException "--workers and --max-memory-gb apply to the local backend; with --backend slurm, Slurm decides how many tasks run at once (--cpus-per-task, --mem-gb)")
    if top.Contains Threads then
        raise (ArgumentException "--threads: with --backend slurm each run gets --cpus-per-task threads")
    let poll = a.GetResult(Poll_Seconds, defaultValue = 10.0)
    if poll <= 0.0 then raise (ArgumentException(sprintf "--poll-seconds must be > 0, got %g" poll))
    Runner.codeVersion.Force() |> ignore
    let options : SlurmSweep.Options =
        { Settings = slurmSettings a profile; Command = slurmTaskCommand top a store; JobName = "repro-" + profile.Name
          DryRun = a.Contains Dry_Run; Wait = not (a.Contains No_Wait); PollSeconds = poll }
    let s = SlurmSweep.run store runs (a.Contains SweepArgs.Retry_Failed) options (cancellation ())
    if not options.DryRun && options.Wait then
        reportDone s
    s

/// A sweep on the backend the command line names (local unless --backend slurm).
let private sweep (top: ParseResults<ReproArgs>) (a: ParseResults<SweepArgs>) (profile: Profiles.Profile) store runs =
    match a.GetResult(Backend, defaultValue = Local) with
    | Slurm -> slurmSweep top a profile store runs
    | Local ->
        match a.GetAllResults() |> List.tryFind slurmOnly with
        | Some arg -> raise (ArgumentException(sprintf "%s only applies with --backend slurm" (a.Parser.PrintCommandLineArguments [ arg ]).[0]))
        | None -> localSweep top a profile store runs

/// Whether the sweep only submitted (or printed) Slurm jobs, so there is nothing new to report yet.
let private onlySubmits (a: ParseResults<SweepArgs>) = a.Contains Dry_Run || a.Contains No_Wait

/// A Slurm task: one run, progress as `@progress` lines on stdout (into the task's log, where the sweep reads them).
let private slurmTask (a: ParseResults<SweepArgs>) (store: RunStore.RunStore) (runs: RunKinds.PlannedRun list) (hash: string) =
    SlurmSweep.task store runs hash (a.Contains SweepArgs.Retry_Failed) progressLines (cancellation ())

/// A worker of a sweep with --workers: executes one planned run (its parent holds the folder's lock) and reports progress
/// as `@progress` lines on stdout.
let private execute (store: RunStore.RunStore) (runs: RunKinds.PlannedRun list) (hash: string) =
    match RunKinds.runnable runs |> List.tryFind (fun r -> r.Hash = hash) with
    | None -> raise (ArgumentException(sprintf "--execute %s: no runnable run with this hash in the profile's plan" hash))
    | Some run ->
        let ct = cancellation ()
        let token =
            match Environment.GetEnvironmentVariable parentPidVariable |> Option.ofObj |> Option.bind (fun v -> match Int32.TryParse v with | true, n -> Some n | _ -> None) with
            | Some pid ->
                let cts = Threading.CancellationTokenSource.CreateLinkedTokenSource ct
                whenParentExits pid cts
                cts.Token
            | None -> ct
        let record = Runner.execute store run progressLines token
        if record.Status = RunStore.Succeeded then ExitCode.Ok else ExitCode.Failed

/// `sweep --calibrate`: rounds of sweeps over the calibration's runs (each round's results may extend a ladder or
/// start a student's), until nothing is left to run; then the profile's schedule table is written from the cells
/// settled (also when the sweep is stopped: what is settled stays settled). A run that failed is not retried in a
/// later round of the same command.
let private calibrateSweep (top: ParseResults<ReproArgs>) (a: ParseResults<SweepArgs>) =
    /// Writes the table of what the records settle; returns the calibration and the runs the command selects.
    let writeTable () =
        let profile, store, paperTables, data, selected = plannedSweep top a
        let c = calibrationOf profile store data (PaperTables.loadAll paperTables)
        let path = (scheduleTablePath profile paperTables).Value
        // What an earlier calibration settled stays (another results folder, another --only selection).
        let earlier = readScheduleTable profile path
        let table = ScheduleTable.merge earlier (ScheduleCalibration.tableOf profile c)
        ScheduleTable.write path table
        printfn "%s" (ScheduleCalibration.toMarkdown c)
        printfn "wrote %s (%d cells: %d settled by these records, %d kept from before; %d pending)" path table.Entries.Length
            c.Entries.Length (table.Entries.Length - c.Entries.Length) c.Pending.Length
        c, selected
    let rec round (n: int) (attempted: Set<string>) (anyFailed: bool) =
        let profile, store, _, _, runs = plannedSweep top a
        // --retry-failed applies to the first round; a run tried in this command is not tried again.
        let runs = if n = 1 then runs else runs |> List.filter (fun r -> not (attempted.Contains r.Hash))
        let todo = Sweep.pending store (n = 1 && a.Contains SweepArgs.Retry_Failed) runs
        if todo.IsEmpty then anyFailed
        else
            eprintfn "calibration round %d: %d run(s) to do" n todo.Length
            let s = sweep top a profile store runs
            if onlySubmits a then anyFailed
            else round (n + 1) (attempted + (todo |> List.map (fun r -> r.Hash) |> Set.ofList)) (anyFailed || Sweep.anyFailed s)
    let anyFailed =
        try round 1 Set.empty false
        with :? OperationCanceledException ->
            writeTable () |> ignore
            reraise ()
    if onlySubmits a then ExitCode.Ok
    else
        let c, selected = writeTable ()
        // Cells outside an --only selection stay pending without making the calibration of the selection a failure.
        let unsettled = c.Pending |> List.filter (fun (cell, _) -> RunKinds.runnable selected |> List.exists (fun r -> r.Serves cell))
        if anyFailed || not unsettled.IsEmpty then ExitCode.Failed else ExitCode.Ok

let private reproduce (top: ParseResults<ReproArgs>) (a: ParseResults<SweepArgs>) =
    if a.Contains SweepArgs.Calibrate then
        raise (ArgumentException "--calibrate applies to `repro sweep` (it writes the schedule table, not the paper's tables)")
    let profile, store, paperTables, _, plan = plannedSweep top a
    let s = sweep top a profile store plan
    if onlySubmits a then ExitCode.Ok
    else
        let rendered = Report.compute paperTables profile.Ladder store plan
        let path = Report.write profile.Name store.Root rendered
        for t in rendered.Tables do printfn "%s" (Tables.toMarkdown profile.Name t)
        printfn "%s" (Claims.toMarkdown Report.level rendered.Claims)
        printfn "wrote %s" path
        if Sweep.anyFailed s then ExitCode.Failed else ExitCode.Ok

/// `--calibrate` belongs to `plan` (and `sweep`): the paper's tables and claims come from the grid's runs.
let private refuseCalibrate (command: string) (a: ParseResults<GridArgs>) =
    if a.Contains GridArgs.Calibrate then
        raise (ArgumentException(sprintf "--calibrate applies to `repro plan` and `repro sweep`, not to `repro %s` (its tables come from the grid's runs)" command))

let private tables (top: ParseResults<ReproArgs>) (a: ParseResults<GridArgs>) =
    refuseCalibrate "tables" a
    let profile, store, paperTables, _, plan = plannedGrid top a
    RunStore.ensureWritable "--results" store.Root
    let rendered = Report.compute paperTables profile.Ladder store plan
    let path = Report.write profile.Name store.Root rendered
    for t in rendered.Tables do printfn "%s" (Tables.toMarkdown profile.Name t)
    printfn "%s" (Claims.toMarkdown Report.level rendered.Claims)
    printfn "wrote %s" path
    ExitCode.Ok

let private claims (top: ParseResults<ReproArgs>) (a: ParseResults<GridArgs>) =
    refuseCalibrate "claims" a
    let profile, store, paperTables, _, plan = plannedGrid top a
    let rendered = Report.compute paperTables profile.Ladder store plan
    printfn "%s" (Claims.toMarkdown Report.level rendered.Claims)
    ExitCode.Ok

/// One cell outside the tables, under a profile's scale: planned with its prerequisites (shared with the grid's runs
/// when their configs are equal), run in this process, its record's metrics printed.
let private train (top: ParseResults<ReproArgs>) (a: ParseResults<TrainArgs>) =
    let profile, store, data = resolveProfile true top
    let task = a.GetResult(TrainArgs.Task, defaultValue = Domain.Detection)
    let fraction = a.GetResult(TrainArgs.Fraction, defaultValue = 1.0)
    if not (fraction > 0.0 && fraction <= 1.0) then raise (ArgumentException(sprintf "--fraction must be in (0, 1], got %g" fraction))
    let selfTraining = a.Contains Self_Training
    if a.Contains No_Loss_Norm && not selfTraining then raise (ArgumentException "--no-loss-norm only applies with --self-training")
    if a.Contains Random_Student && not selfTraining then raise (ArgumentException "--random-student only applies with --self-training")
    let labelled =
        match task, a.TryGetResult Labelled_Set with
        | Domain.Segmentation, set -> Some(defaultArg set "train")
        | Domain.Detection, Some _ -> raise (ArgumentException "--labelled-set only applies to --task segmentation")
        | Domain.Detection, None -> None
    let cell: Domain.Cell =
        { Task = task
          Backbone = a.GetResult(TrainArgs.Backbone, defaultValue = Domain.PaperBackbone.EfficientNetB7)
          Init = a.GetResult(TrainArgs.Init, defaultValue = Domain.Rand)
          Fraction = (if task = Domain.Segmentation then 1.0 else fraction)
          Augment = a.GetResult(TrainArgs.Augment, defaultValue = task.DefaultAugment)
          SelfTraining = selfTraining
          JointTraining = a.Contains Joint
          LossNormalization = not (a.Contains No_Loss_Norm)
          StudentFromTeacher = not (a.Contains Random_Student)
          Unlabeled = (if selfTraining then Some Domain.ImageNetImages else None)
          LabelledSet = labelled }
    profile.BackboneFor cell.Backbone |> ignore // names the flag's value if the profile has no stand-in for it
    let seed = a.GetResult(TrainArgs.Seed, defaultValue = 0)
    // The seed joins the profile's (whose first one seeds pre-training, so that stays shared with the grid's).
    let profile = { profile with Seeds = List.distinct (profile.Seeds @ [ seed ]) }
    // A cell outside the tables has no paper schedule: it trains once, at its schedule table's steps where the table
    // lists it, else the profile's steps for it (no ladder), or at --steps (and its teacher, whose cell asks the same
    // schedule, at the profile's factor times that).
    let table =
        scheduleTablePath profile paperTablesDefault |> Option.bind (readScheduleTable profile)
    let profileSchedule (c: Domain.Cell) =
        let s = Plan.scheduleOf profile Map.empty table c
        { s with Rungs = [ s.Steps ] }
    let schedule =
        match a.TryGetResult Steps with
        | Some n when n < 1 -> raise (ArgumentException(sprintf "--steps must be >= 1, got %d" n))
        | Some n -> fun c -> { profileSchedule c with Steps = n; Rungs = [ n ]; Source = "--steps" }
        | None -> profileSchedule
    let isTarget (r: RunKinds.PlannedRun) = r.Serves cell && r.Seed = seed
    let runs = Plan.plan profile data store.RunsRoot schedule [ cell ] |> Plan.closure isTarget
    let target = runs |> List.find isTarget
    match target with
    | RunKinds.Blocked b ->
        eprintfn "error: %s cannot run: %s" b.Label b.Why
        ExitCode.Failed
    | RunKinds.Runnable target ->
        printfn "%s: run %s (%d run(s) with its prerequisites)" target.Label target.Hash runs.Length
        let retry = a.Contains TrainArgs.Retry_Failed
        match store.TryRead target.Hash with
        | Some r when r.Status = RunStore.Failed && not retry ->
            // Not rerun by itself (the same config would most likely fail the same way), and not replayed as if new.
            eprintfn "error: %s: its run failed earlier (%s UTC): %s; rerun with --retry-failed" target.Label
                (r.FinishedUtc.ToString "yyyy-MM-dd HH:mm") (defaultArg r.Error "?")
            ExitCode.Failed
        | _ ->
            let s = Sweep.run store runs retry None (cancellation ())
            eprintfn "train done: %d ran, %d failed, %s (%.1f min)" s.Ran s.Failed (Sweep.recordedText s.Skipped s.SkippedFailed) (s.WallSeconds / 60.0)
            match store.TryRead target.Hash with
            | Some r when r.Status = RunStore.Succeeded ->
                for KeyValue(k, v) in r.Metrics do printfn "  %-24s %g" k v
                printfn "record: %s" (store.RecordPath target.Hash)
                ExitCode.Ok
            | Some r ->
                eprintfn "error: %s failed: %s" target.Label (defaultArg r.Error "?")
                ExitCode.Failed
            | None -> ExitCode.Failed

/// The fresh snapshot of `store` under `plan`, the records behind it, and a lookup from a golden cell to its records.
let private freshSnapshot (profile: Profiles.Profile) (paperTables: string) (store: RunStore.RunStore) (plan: RunKinds.PlannedRun list) =
    let runnable = RunKinds.runnable plan
    let records = runnable |> List.choose (fun r -> store.TryRead r.Hash)
    let tables = (Report.compute paperTables profile.Ladder store plan).Tables
    let cellOf = Map [ for t in tables do for c in t.Cells -> (t.Table.Id, c.Row, c.Column), c.Cell ]
    let cellRecords (g: Golden.GoldenCell) =
        match cellOf.TryFind(g.Table, g.Row, g.Column) with
        | Some cell -> runnable |> List.filter (fun r -> r.Serves cell) |> List.choose (fun r -> store.TryRead r.Hash)
        | None -> []
    Golden.snapshotOf profile.Name tables records, records, cellRecords

/// Checks `store`'s results under `plan` against the snapshot with the layer `layerArg` asks for.
let private goldenOutcome (layerArg: CheckLayer) (tolerances: Golden.Tolerance list) (partial: bool) (snapshots: Golden.Snapshots)
                          (profile: Profiles.Profile) (paperTables: string) (store: RunStore.RunStore) (plan: RunKinds.PlannedRun list) : Golden.Outcome =
    let fresh, records, cellRecords = freshSnapshot profile paperTables store plan
    let own, _, _ = Golden.chooseSnapshot snapshots records
    let snapshot, layer, reason =
        match layerArg with
        | CheckLayer.Auto -> Golden.chooseSnapshot snapshots records
        // Bit for bit against this platform's own snapshot where one was recorded, else the primary.
        | CheckLayer.Exact -> own, Golden.Exact, "forced by --layer exact"
        | CheckLayer.Statistical -> snapshots.Primary, Golden.Statistical, "forced by --layer statistical"
    { Layer = layer; Reason = reason
      Comparisons = Golden.compare layer tolerances partial snapshot fresh
      Degenerate = (match layer with Golden.Statistical -> Golden.degenerate fresh cellRecords records | Golden.Exact -> []) }

/// The command line of a replay's child sweep: this command's shared options and paper tables, with its own results
/// folder, selection and (where the replay fixes them) threads.
let private replayArguments (top: ParseResults<ReproArgs>) (a: ParseResults<GoldenArgs>) (results: string) (only: string list) (threads: int option) =
    let shared =
        sharedOptions top |> List.filter (function Results _ -> false | Threads _ -> threads.IsNone | _ -> true)
    let tables = a.TryGetResult GoldenArgs.Paper_Tables |> Option.map SweepArgs.Paper_Tables |> Option.toList
    sweepCommandLine top (shared @ [ Results results ] @ (threads |> Option.map Threads |> Option.toList))
        (tables @ (only |> List.map SweepArgs.Only))

let private golden (top: ParseResults<ReproArgs>) (a: ParseResults<GoldenArgs>) =
    let root = a.GetResult(Golden_Root, defaultValue = "golden")
    let goldenFiles (profile: Profiles.Profile) = Golden.snapshotPath root profile.Name, Golden.tolerancePath root profile.Name
    let planned (only: string list) = planned false top (a.GetResult(GoldenArgs.Paper_Tables, defaultValue = paperTablesDefault)) only false
    match a.GetSubCommand() with
    | Check r ->
        // The snapshot first, before planning (which may generate the miniature): where a known profile has none,
        // that is the error to report. An unknown profile name is left to the planner's error.
        let name = top.GetResult(Profile, defaultValue = "default")
        let early = if List.contains name Profiles.names then Some(Golden.readSnapshots root name) else None
        let only = r.GetResults GoldenCheckArgs.Only
        let profile, store, paperTables, _, plan = planned only
        let _, toleranceFile = goldenFiles profile
        let snapshots = match early with Some s -> s | None -> Golden.readSnapshots root profile.Name
        let outcome =
            goldenOutcome (r.GetResult(Layer, defaultValue = CheckLayer.Auto)) (Golden.readTolerances toleranceFile) (not only.IsEmpty)
                snapshots profile paperTables store plan
        printf "%s" (Golden.diffReport outcome)
        if outcome.Passed then printfn "golden check passed (%s)" profile.Name; ExitCode.Ok
        else eprintfn "golden check FAILED (%s): results moved beyond tolerance or carry no signal" profile.Name; ExitCode.Failed
    | Update ->
        let profile, store, paperTables, _, plan = planned []
        let snapshotFile, _ = goldenFiles profile
        let snapshot, records, cellRecords = freshSnapshot profile paperTables store plan
        // The primary stays the primary (its tolerances were measured against it): results made on another platform
        // become that platform's own snapshot beside it. Removing results.json makes the next update the primary.
        let primary = if File.Exists snapshotFile then Some(Golden.readSnapshot snapshotFile) else None
        let target =
            match snapshot.Platform, primary with
            | Some p, Some s when s.Platform <> Some p -> Golden.platformSnapshotPath root profile.Name p
            | _ -> snapshotFile
        let others = Golden.otherPlatformSnapshots root profile.Name
        match Golden.degenerate snapshot cellRecords records with
        | _ when snapshot.Platform.IsNone && primary |> Option.exists (fun s -> s.Platform.IsSome) ->
            eprintfn "golden update refused (%s): the records were made on several or unrecorded platforms, and %s is kept for its own (%s)"
                profile.Name snapshotFile primary.Value.Platform.Value.Key
            ExitCode.Failed
        | [] when target = snapshotFile && not others.IsEmpty ->
            Golden.writeSnapshot target snapshot
            printfn "wrote %s (%d cells, %d runs, platform: %s)" target snapshot.Cells.Length snapshot.Runs.Length
                (match snapshot.Platform with Some p -> p.Key | None -> "none recorded")
            // Their results were made by the code that made the old primary: re-record them where the results moved.
            for path in others do eprintfn "warning: %s was recorded beside the previous primary; if results moved, re-record it on its platform" path
            ExitCode.Ok
        | [] ->
            Golden.writeSnapshot target snapshot
            printfn "wrote %s (%d cells, %d runs, platform: %s)" target snapshot.Cells.Length snapshot.Runs.Length
                (match snapshot.Platform with Some p -> p.Key | None -> "none recorded")
            ExitCode.Ok
        | problems ->
            for d in problems do eprintfn "  %s" d
            eprintfn "golden update refused (%s): %d cells or runs carry no signal, so the snapshot could not see a regression there" profile.Name problems.Length
            ExitCode.Failed
    | Spread r ->
        let only = r.GetResults GoldenSpreadArgs.Only
        let profile, store, paperTables, _, plan = planned only
        let snapshotFile, toleranceFile = goldenFiles profile
        let snapshot = Golden.readSnapshot snapshotFile
        let replays =
            [ for v in GoldenReplay.variants do
                let dir = Path.Combine(store.Root, v.Name)
                if not (GoldenReplay.runsHere v) then printfn "  %-14s skipped: this CPU lacks %s" v.Name v.Needs.Value
                else
                    eprintfn "replaying %s under %s ..." profile.Name v.Name
                    let code = GoldenReplay.runRepro (replayArguments top a dir only v.Threads) v.Environment (dir + ".log")
                    if code <> 0 then failwithf "the %s replay failed (exit %d): see %s.log" v.Name code dir
                    let fresh, records, _ = freshSnapshot profile paperTables (RunStore.RunStore dir) plan
                    let layer, reason = Golden.chooseLayer snapshot records
                    printfn "  %-14s %-11A %s" v.Name layer reason
                    v.Name, fresh, layer ]
            // A variant that pins what the CPU does anyway (its own ISA) is the same platform as another replay, and
            // on the snapshot's own platform a replay reproduces it bit for bit: each platform's spread counts once.
            |> List.filter (fun (_, _, layer) -> layer <> Golden.Exact)
            |> List.distinctBy (fun (_, fresh: Golden.Snapshot, _) -> fresh.Platform)
            |> List.map (fun (name, fresh, _) -> name, fresh)
        let spreads = Golden.spread snapshot replays
        let variantNames = String.Join(", ", replays |> List.map fst)
        let date = DateTime.UtcNow.ToString("yyyy-MM-dd")
        let command = sprintf "repro golden spread --profile %s%s" profile.Name (String.Join("", only |> List.map (sprintf " --only \"%s\"")))
        let measured =
            [ for s in spreads do
                printfn "  %s: %d cell replays, max |delta| %.4f, rms %.4f, max |delta of a table mean| %.4f" s.Metric s.Cells s.MaxCell s.SdCell s.MaxTableMean
                let cell, tableMean = Golden.boundsOf s
                ({ Metric = s.Metric; Absolute = cell; TableMean = Some tableMean
                   Justification =
                    sprintf "Measured %s by `%s` on %s against the snapshot of %s: its runs replayed under %s (%d cell values). Largest move of a cell %.4f, rms %.4f; largest move of a table's mean %.4f. Bounds: a cell max(1.5 x largest, 3 x rms), a table mean max(1.5 x largest, 3 x rms / sqrt 2) (few platforms were sampled; another may move further). Where the platform matches the snapshot's, the exact layer applies instead."
                        date command (Repro.Core.Native.PlatformFingerprint.Current().Key)
                        (match snapshot.Platform with Some p -> p.Key | None -> "an unrecorded platform")
                        variantNames s.Cells s.MaxCell s.SdCell s.MaxTableMean } : Golden.Tolerance) ]
        let existing = if File.Exists toleranceFile then Golden.readTolerances toleranceFile else []
        let tolerances = Golden.mergeTolerances existing measured
        for t in tolerances do printfn "  %s: a cell within %.2f, a table's mean within %s" t.Metric t.Absolute (match t.TableMean with Some m -> sprintf "%.2f" m | None -> "(not checked)")
        Repro.Core.AtomicFile.WriteAllText(toleranceFile, CanonicalJson.pretty tolerances + "\n")
        printfn "wrote %s" toleranceFile
        ExitCode.Ok
    | Regressions ->
        let profile, store, paperTables, _, plan = planned []
        let _, toleranceFile = goldenFiles profile
        let snapshots, tolerances = Golden.readSnapshots root profile.Name, Golden.readTolerances toleranceFile
        printfn "%-28s %-10s %-22s %s" "regression" "layer" "flagged (auto layer)" "flagged (statistical)"
        let results =
            [ for g in GoldenReplay.regressions do
                let dir = Path.Combine(store.Root, g.Name)
                let code = GoldenReplay.runRepro (replayArguments top a dir g.Only None) [ Repro.Core.InjectedRegression.Variable, g.Name ] (dir + ".log")
                let selected = Plan.only g.Only plan
                let check layer = goldenOutcome layer tolerances true snapshots profile paperTables (RunStore.RunStore dir) selected
                let auto, statistical = check CheckLayer.Auto, check CheckLayer.Statistical
                // A replay that failed outright (a crash, a failed run) is caught too: its cells are missing.
                let flagged (o: Golden.Outcome) = code <> 0 || not o.Passed
                printfn "%-28s %-10A %-22b %b" g.Name auto.Layer (flagged auto) (flagged statistical)
                g.Name, flagged auto, flagged statistical ]
        let count f = results |> List.filter f |> List.length
        printfn "caught: %d of %d by the layer that applies here, %d of %d by the statistical layer alone"
            (count (fun (_, a, _) -> a)) results.Length (count (fun (_, _, s) -> s)) results.Length
        if results |> List.forall (fun (_, a, _) -> a) then ExitCode.Ok else ExitCode.Failed
    // GetSubCommand never returns an option.
    | option -> failwithf "%A is not a golden command" option

/// Generates (or finds cached) the miniature, with a progress line per part.
let private generateMiniature (config: Repro.Core.Data.Miniature.MiniatureConfig) (cache: string) =
    Repro.Core.Data.Miniature.MiniatureGenerator.Generate(config, cache, miniatureProgress ())

let private data (a: ParseResults<DataArgs>) =
    match a.GetSubCommand() with
    | DataArgs.Generate g ->
        let config = Repro.Core.Data.Miniature.MiniatureConfig.Preset(g.GetResult(DataGenerateArgs.Preset, defaultValue = "default"))
        let config = match g.TryGetResult DataGenerateArgs.Seed with Some s -> config.WithSeed s | None -> config
        let sw = Diagnostics.Stopwatch.StartNew()
        let m = generateMiniature config (g.GetResult(DataGenerateArgs.Cache, defaultValue = dataCacheDefault))
        printfn "%s" m.Root
        eprintfn "miniature %s: %d files, content hash %s (%.1f s)" m.ConfigHash m.FileCount m.ContentHash sw.Elapsed.TotalSeconds
        ExitCode.Ok
    | DataArgs.Show s ->
        let m = generateMiniature (Repro.Core.Data.Miniature.MiniatureConfig.Preset(s.GetResult(DataShowArgs.Preset, defaultValue = "default")))
                                  (s.GetResult(DataShowArgs.Cache, defaultValue = dataCacheDefault))
        let part = s.GetResult(DataShowArgs.Part, defaultValue = "detection-train")
        if not (Repro.Core.Data.Miniature.MiniaturePreview.Parts |> Seq.contains part) then
            raise (InvalidDataException(sprintf "unknown part '%s' (%s)" part (String.Join(" | ", Repro.Core.Data.Miniature.MiniaturePreview.Parts))))
        let out = s.GetResult(DataShowArgs.Out, defaultValue = Path.Combine(dataCacheDefault, part + ".png"))
        Repro.Core.Data.Miniature.MiniaturePreview.Save(m, part, out, s.GetResult(DataShowArgs.Count, defaultValue = 32))
        printfn "wrote %s" out
        ExitCode.Ok

let private aug (a: ParseResults<AugArgs>) =
    match a.GetSubCommand() with
    | AugArgs.Show s ->
        let level = s.GetResult AugShowArgs.Level
        let m = generateMiniature (Repro.Core.Data.Miniature.MiniatureConfig.Preset(s.GetResult(AugShowArgs.Preset, defaultValue = "smoke")))
                                  (s.GetResult(AugShowArgs.Cache, defaultValue = dataCacheDefault))
        let ds = Repro.Core.Data.Coco.CocoDetectionDataset.Open(m.DetectionTrainImages, m.DetectionTrainAnnotations)
        let samples = [| for i in 0 .. min (s.GetResult(AugShowArgs.Count, defaultValue = 6)) ds.Count - 1 -> ds.Get i |]
        let out = s.GetResult(AugShowArgs.Out, defaultValue = Path.Combine("results", sprintf "aug-%O.png" level))
        let config = Repro.Core.Augment.AugmentConfig.ForLevel(level, m.Config.ImageSize)
        Repro.Core.Augment.AugmentPreview.Save(config, samples, s.GetResult(AugShowArgs.Seed, defaultValue = 0), out, classNames = ds.ClassNames)
        printfn "wrote %s" out
        ExitCode.Ok

let private eval (a: ParseResults<EvalArgs>) =
    let summary =
        Repro.Core.Evaluation.Coco.CocoEvalCommand.Run(a.GetResult Gt, a.GetResult Dt, a.GetResult(Iou_Type, defaultValue = "bbox"))
    if a.Contains EvalArgs.Json then printfn "%s" (summary.ToJson()) else printf "%s" (summary.ToText())
    ExitCode.Ok

let private env (args: ParseResults<EnvArgs>) =
    Repro.Core.Native.TorchNativeLoader.EnsureLoaded() |> ignore
    let report =
        [ "repro", (Reflection.Assembly.GetExecutingAssembly().GetName().Version |> string)
          "dotnet", Environment.Version.ToString()
          "os", Runtime.InteropServices.RuntimeInformation.OSDescription
          "torchsharp-native", Repro.Core.Native.TorchNativeLoader.Report
          "torch-threads", string (TorchSharp.torch.get_num_threads ())
          // What libtorch's OpenMP threads do when idle (Repro sets PASSIVE unless the user chose).
          "omp-wait-policy", defaultArg (Option.ofObj (Repro.Core.Native.OpenMpWaitPolicy.Current())) "unset"
          "cuda", string (TorchSharp.torch.cuda.is_available ()) ]
    if args.Contains EnvArgs.Json then
        report |> dict |> Text.Json.JsonSerializer.Serialize |> printfn "%s"
    else
        for k, v in report do printfn "%-18s %s" k v
    ExitCode.Ok

/// Help exits 0; every usage error Argu finds exits 2 like any other bad usage (its ProcessExiter would exit with
/// Argu's ErrorCode: 3 for a missing argument or sub-subcommand), in red on a terminal.
let private usageExiter =
    { new IExiter with
        member _.Name = "repro"
        member _.Exit(message, code) =
            if code = ErrorCode.HelpText then
                Console.Out.WriteLine message
                exit ExitCode.Ok
            else
                let colour = not Console.IsErrorRedirected
                if colour then Console.ForegroundColor <- ConsoleColor.Red
                Console.Error.WriteLine message
                if colour then Console.ResetColor()
                exit ExitCode.Usage }

/// Argu lets every subcommand parse the inherited options; a command that neither plans nor trains refuses them as
/// Argu refuses an unknown argument.
let private refuseShared (top: ParseResults<ReproArgs>) (command: string) (usage: string) =
    match sharedOptions top with
    | [] -> ()
    | arg :: _ ->
        let flag = (top.Parser.PrintCommandLineArguments [ arg ]).[0]
        usageExiter.Exit(sprintf "ERROR: '%s' does not apply to 'repro %s' (only the commands that plan or train take it).\n%s" flag command usage,
                         ErrorCode.CommandLine)

[<EntryPoint>]
let main argv =
    let parser = ArgumentParser.Create<ReproArgs>(programName = "repro", errorHandler = usageExiter)
    let top = parser.ParseCommandLine(argv)
    match top.GetSubCommand() with
    | Eval a -> refuseShared top "eval" (a.Parser.PrintUsage())
    | Data a -> refuseShared top "data" (a.Parser.PrintUsage())
    | Aug a -> refuseShared top "aug" (a.Parser.PrintUsage())
    | Env a -> refuseShared top "env" (a.Parser.PrintUsage())
    | _ -> ()
    try
        match top.GetSubCommand() with
        | Reproduce a -> reproduce top a
        | Plan a -> plan top a
        | Sweep a ->
            let profile, store, _, _, plan = plannedSweep top a
            match a.TryGetResult Execute, a.TryGetResult Slurm_Task with
            | Some hash, _ -> execute store plan hash
            | None, Some hash -> slurmTask a store plan hash
            | None, None when a.Contains SweepArgs.Calibrate -> calibrateSweep top a
            | None, None -> if Sweep.anyFailed (sweep top a profile store plan) then ExitCode.Failed else ExitCode.Ok
        | Train a -> train top a
        | Tables a -> tables top a
        | Claims a -> claims top a
        | Golden a -> golden top a
        | Eval a -> eval a
        | Data a -> data a
        | Aug a -> aug a
        | Env a -> env a
        // GetSubCommand never returns an option.
        | option -> failwithf "%A is not a command" option
    with
    | :? ArgumentException as e -> eprintfn "error: %s" e.Message; ExitCode.Usage
    | :? OperationCanceledException -> eprintfn "stopped; run the same command again to resume"; ExitCode.Failed
    | RunStore.Locked _ as e -> eprintfn "error: %s" e.Message; ExitCode.Failed
    | SlurmQueue.SlurmUnavailable _ as e -> eprintfn "error: %s" e.Message; ExitCode.Failed
    | RunStore.NotWritable _ as e -> eprintfn "error: %s" e.Message; ExitCode.Usage
    | :? Repro.Core.Native.TorchNativeLoadException as e -> eprintfn "error: %s" e.Message; ExitCode.Failed
    | :? FileNotFoundException as e -> eprintfn "error: %s" e.Message; ExitCode.Usage
    | :? DirectoryNotFoundException as e -> eprintfn "error: %s" e.Message; ExitCode.Usage
    | :? InvalidDataException as e -> eprintfn "error: %s" e.Message; ExitCode.Usage
    // Anything else the file system refuses (a full disk, a permission) ends the work with its message, not a crash.
    | :? IOException as e -> eprintfn "error: %s" e.Message; ExitCode.Failed
    | :? UnauthorizedAccessException as e -> eprintfn "error: %s" e.Message; ExitCode.Failed
    // The work itself failed in a way its caller reports with `failwith` (e.g. a replay of `golden spread`).
    | Failure message -> eprintfn "error: %s" message; ExitCode.Failed
