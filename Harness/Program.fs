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

/// A profile by name with the command line's overrides, its resolved data and its results store.
let private resolveProfile (name: string) (coco: string option) (voc: string option) (imagenet: string option) (device: string option)
                           (threads: int option) (results: string option) (cache: string option) =
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
    let profile =
        match threads with
        | Some n when n < 0 -> raise (ArgumentException(sprintf "--threads must be >= 0 (0 = libtorch's default), got %d" n))
        | Some n -> { profile with Threads = n }
        | None -> profile
    let store = RunStore.RunStore(defaultArg results (Path.Combine("results", profile.Name)))
    Repro.Core.Native.TorchNativeLoader.EnsureLoaded() |> ignore
    let data = Plan.resolveData profile (defaultArg cache dataCacheDefault) (Some(miniatureProgress ()))
    profile, store, data

/// The profile, its results store and its plan, from the sweep arguments.
let private planned (a: ParseResults<SweepArgs>) =
    let profile, store, data =
        resolveProfile (a.GetResult(SweepArgs.Profile, defaultValue = "default")) (a.TryGetResult SweepArgs.Coco_Root)
            (a.TryGetResult SweepArgs.Voc_Root) (a.TryGetResult SweepArgs.Imagenet_Root) (a.TryGetResult SweepArgs.Device) (a.TryGetResult SweepArgs.Threads)
            (a.TryGetResult SweepArgs.Results) (a.TryGetResult SweepArgs.Data_Cache)
    let paperTables = a.GetResult(SweepArgs.Paper_Tables, defaultValue = "paper-tables")
    let runs = Plan.planProfile profile data store.RunsRoot (PaperTables.loadAll paperTables)
    let runs = match a.GetResults Only with [] -> runs | texts -> Plan.only texts runs
    profile, store, paperTables, data, runs

let private plan (a: ParseResults<SweepArgs>) =
    let profile, store, _, data, runs = planned a
    printfn "profile %s: %s" profile.Name profile.Description
    printfn "data: %s" data.Description
    let status (r: Plan.PlannedRun) =
        match r.Blocked, store.TryRead r.Hash with
        | Some why, _ -> "blocked: " + why
        | None, Some rec' when rec'.Status = RunStore.Succeeded -> "done"
        | None, Some _ -> "failed (use --retry-failed)"
        | None, None -> sprintf "to do (~%.0f s)" r.EstimatedSeconds
    let statuses = runs |> List.map (fun r -> r, status r)
    for r, st in statuses do printfn "  %-16s %-52s %s" r.Hash r.Label st
    let todo = Sweep.pending store false runs
    let count (prefix: string) = statuses |> List.filter (fun (_, st) -> st.StartsWith prefix) |> List.length
    printfn "%d runs: %d to do (~%.1f min), %d recorded, %d blocked" runs.Length todo.Length
        ((todo |> List.sumBy (fun r -> r.EstimatedSeconds)) / 60.0) (count "done" + count "failed") (count "blocked")
    ExitCode.Ok

let private cancellation () =
    let cts = new Threading.CancellationTokenSource()
    Console.CancelKeyPress.Add(fun e ->
        if not cts.IsCancellationRequested then
            e.Cancel <- true
            eprintfn "stopping after a checkpoint (Ctrl-C again to kill); the next sweep resumes from it"
            cts.Cancel())
    cts.Token

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
let private workerStart (a: ParseResults<SweepArgs>) (threads: int) (run: Plan.PlannedRun) =
    let exe = Environment.ProcessPath
    let psi = Diagnostics.ProcessStartInfo(exe)
    // `dotnet repro.dll ...` runs through the dotnet host: the worker needs the entry assembly as its first argument.
    if Path.GetFileNameWithoutExtension exe = "dotnet" then psi.ArgumentList.Add(Reflection.Assembly.GetEntryAssembly().Location)
    let kept =
        a.GetAllResults()
        |> List.filter (function Only _ | Retry_Failed | Workers _ | Max_Memory_Gb _ | SweepArgs.Threads _ | Execute _ -> false | _ -> true)
    for arg in "sweep" :: List.ofArray (a.Parser.PrintCommandLineArguments(kept @ [ SweepArgs.Threads threads; Execute run.Hash ])) do
        psi.ArgumentList.Add arg
    psi.Environment.["REPRO_PLAIN_PROGRESS"] <- "1"
    psi.Environment.[parentPidVariable] <- string Environment.ProcessId
    psi.Environment.[Runner.codeVersionVariable] <- Runner.codeVersion.Force()
    psi

let private sweep (a: ParseResults<SweepArgs>) (profile: Profiles.Profile) store runs =
    let workers = a.GetResult(Workers, defaultValue = profile.Workers)
    if workers < 1 then raise (ArgumentException(sprintf "--workers must be >= 1, got %d" workers))
    let ct = cancellation ()
    // The code version is the one the sweep started with, whatever happens to the working tree meanwhile.
    Runner.codeVersion.Force() |> ignore
    let inWorkers =
        if workers = 1 then None
        else
            let threads = a.GetResult(SweepArgs.Threads, defaultValue = max 1 (profile.Threads / workers))
            let memory =
                match a.TryGetResult Max_Memory_Gb with
                | Some gb when gb <= 0.0 -> raise (ArgumentException(sprintf "--max-memory-gb must be > 0, got %g" gb))
                | Some gb -> int64 (gb * 1e9)
                | None -> int64 (0.9 * float (GC.GetGCMemoryInfo().TotalAvailableMemoryBytes) / float workers)
            eprintfn "sweep: %d workers, %d thread(s) each, memory limit %.1f GB each" workers threads (float memory / 1e9)
            Some(workers, fun todo board -> Workers.run store todo workers (workerStart a threads) memory board ct |> fst)
    let s = Sweep.run store runs (a.Contains Retry_Failed) inWorkers ct
    eprintfn "sweep done: %d ran, %d failed, %d already recorded, %d blocked (%.1f min)" s.Ran s.Failed s.Skipped s.Blocked (s.WallSeconds / 60.0)
    s

/// A worker of a sweep with --workers: executes one planned run (its parent holds the folder's lock) and reports progress
/// as `@progress` lines on stdout.
let private execute (store: RunStore.RunStore) (runs: Plan.PlannedRun list) (hash: string) =
    match runs |> List.tryFind (fun r -> r.Hash = hash && r.Kind.IsSome) with
    | None -> raise (ArgumentException(sprintf "--execute %s: no runnable run with this hash in the profile's plan" hash))
    | Some run ->
        let progress = { new IProgress<Repro.Core.Training.TrainingProgress> with
                            member _.Report p = Console.Out.WriteLine(Workers.formatProgress p); Console.Out.Flush() }
        let ct = cancellation ()
        let token =
            match Environment.GetEnvironmentVariable parentPidVariable |> Option.ofObj |> Option.bind (fun v -> match Int32.TryParse v with | true, n -> Some n | _ -> None) with
            | Some pid ->
                let cts = Threading.CancellationTokenSource.CreateLinkedTokenSource ct
                whenParentExits pid cts
                cts.Token
            | None -> ct
        let record = Runner.execute store run progress token
        if record.Status = RunStore.Succeeded then ExitCode.Ok else ExitCode.Failed

let private reproduce (a: ParseResults<SweepArgs>) =
    let profile, store, paperTables, _, plan = planned a
    let s = sweep a profile store plan
    let rendered = Report.compute paperTables store plan
    let path = Report.write profile.Name store.Root rendered
    for t in rendered.Tables do printfn "%s" (Tables.toMarkdown profile.Name t)
    printfn "%s" (Claims.toMarkdown Report.level rendered.Claims)
    printfn "wrote %s" path
    if s.Failed > 0 then ExitCode.Failed else ExitCode.Ok

let private tables (a: ParseResults<SweepArgs>) =
    let profile, store, paperTables, _, plan = planned a
    let rendered = Report.compute paperTables store plan
    let path = Report.write profile.Name store.Root rendered
    for t in rendered.Tables do printfn "%s" (Tables.toMarkdown profile.Name t)
    printfn "%s" (Claims.toMarkdown Report.level rendered.Claims)
    printfn "wrote %s" path
    ExitCode.Ok

let private claims (a: ParseResults<SweepArgs>) =
    let _, store, paperTables, _, plan = planned a
    let rendered = Report.compute paperTables store plan
    printfn "%s" (Claims.toMarkdown Report.level rendered.Claims)
    ExitCode.Ok

/// One cell outside the tables, under a profile's scale: planned with its prerequisites (shared with the grid's runs
/// when their configs are equal), run in this process, its record's metrics printed.
let private train (a: ParseResults<TrainArgs>) =
    let profile, store, data =
        resolveProfile (a.GetResult(TrainArgs.Profile, defaultValue = "default")) (a.TryGetResult TrainArgs.Coco_Root)
            (a.TryGetResult TrainArgs.Voc_Root) (a.TryGetResult TrainArgs.Imagenet_Root) (a.TryGetResult TrainArgs.Device) (a.TryGetResult TrainArgs.Threads)
            (a.TryGetResult TrainArgs.Results) (a.TryGetResult TrainArgs.Data_Cache)
    let parse f (flag: string) (text: string) =
        try f text with :? InvalidDataException as e -> raise (ArgumentException(sprintf "%s: %s" flag e.Message))
    let task = parse Domain.Task.Parse "--task" (a.GetResult(TrainArgs.Task, defaultValue = "detection"))
    let fraction = a.GetResult(TrainArgs.Fraction, defaultValue = 1.0)
    if not (fraction > 0.0 && fraction <= 1.0) then raise (ArgumentException(sprintf "--fraction must be in (0, 1], got %g" fraction))
    let selfTraining = a.Contains Self_Training
    if a.Contains No_Loss_Norm && not selfTraining then raise (ArgumentException "--no-loss-norm only applies with --self-training")
    let labelled =
        match task, a.TryGetResult Labelled_Set with
        | Domain.Segmentation, set -> Some(defaultArg set "train")
        | Domain.Detection, Some _ -> raise (ArgumentException "--labelled-set only applies to --task segmentation")
        | Domain.Detection, None -> None
    let cell: Domain.Cell =
        { Task = task
          Backbone = a.GetResult(TrainArgs.Backbone, defaultValue = "efficientnet-b7")
          Init = parse Domain.Init.Parse "--init" (a.GetResult(TrainArgs.Init, defaultValue = "rand"))
          Fraction = (if task = Domain.Segmentation then 1.0 else fraction)
          Augment =
            parse Domain.AugmentLevel.Parse "--augment"
                (a.GetResult(TrainArgs.Augment, defaultValue = (if task = Domain.Segmentation then "S1" else "S4")))
          SelfTraining = selfTraining
          JointTraining = a.Contains Joint
          LossNormalization = not (a.Contains No_Loss_Norm)
          LabelledSet = labelled }
    profile.BackboneFor cell.Backbone |> ignore // names the flag's value if the profile has no stand-in for it
    let seed = a.GetResult(TrainArgs.Seed, defaultValue = 0)
    // The seed joins the profile's (whose first one seeds pre-training, so that stays shared with the grid's).
    let profile = { profile with Seeds = List.distinct (profile.Seeds @ [ seed ]) }
    let profile =
        match a.TryGetResult Steps with
        | Some n when n < 1 -> raise (ArgumentException(sprintf "--steps must be >= 1, got %d" n))
        | Some n when task = Domain.Segmentation ->
            { profile with Segmentation = { profile.Segmentation with Steps = profile.Segmentation.Steps.Add(labelled.Value, n) } }
        | Some n -> { profile with Steps = profile.Steps.Add(cell.Augment.Id, n) }
        | None -> profile
    let isTarget (r: Plan.PlannedRun) = r.Cell = Some cell && r.Seed = seed
    let runs = Plan.plan profile data store.RunsRoot [ cell ] |> Plan.closure isTarget
    let target = runs |> List.find isTarget
    match target.Blocked with
    | Some why ->
        eprintfn "error: %s cannot run: %s" target.Label why
        ExitCode.Failed
    | None ->
        printfn "%s: run %s (%d run(s) with its prerequisites)" target.Label target.Hash runs.Length
        let s = Sweep.run store runs false None (cancellation ())
        eprintfn "train done: %d ran, %d failed, %d already recorded (%.1f min)" s.Ran s.Failed s.Skipped (s.WallSeconds / 60.0)
        match store.TryRead target.Hash with
        | Some r when r.Status = RunStore.Succeeded ->
            for KeyValue(k, v) in r.Metrics do printfn "  %-24s %g" k v
            printfn "record: %s" (store.RecordPath target.Hash)
            ExitCode.Ok
        | Some r ->
            eprintfn "error: %s failed: %s" target.Label (defaultArg r.Error "?")
            ExitCode.Failed
        | None -> ExitCode.Failed

let private golden (a: ParseResults<GoldenArgs>) =
    match a.GetSubCommand() with
    | Check r ->
        let profile, store, paperTables, _, plan = planned r
        let goldenRoot = r.GetResult(Golden_Root, defaultValue = "golden")
        let fresh = Golden.snapshotOf profile.Name (Report.compute paperTables store plan).Tables
        let snapshot = Golden.readSnapshot (Golden.snapshotPath goldenRoot profile.Name)
        let tolerances = Golden.readTolerances (Golden.tolerancePath goldenRoot profile.Name)
        let comparison = Golden.compare tolerances snapshot fresh
        printf "%s" (Golden.diffReport comparison)
        if Golden.passed comparison then printfn "golden check passed (%s)" profile.Name; ExitCode.Ok
        else eprintfn "golden check FAILED (%s): results moved beyond tolerance" profile.Name; ExitCode.Failed
    | Update r ->
        let profile, store, paperTables, _, plan = planned r
        let path = Golden.snapshotPath (r.GetResult(Golden_Root, defaultValue = "golden")) profile.Name
        Golden.writeSnapshot path (Golden.snapshotOf profile.Name (Report.compute paperTables store plan).Tables)
        printfn "wrote %s" path
        ExitCode.Ok

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
        let level = Domain.AugmentLevel.Parse(s.GetResult AugShowArgs.Level)
        let m = generateMiniature (Repro.Core.Data.Miniature.MiniatureConfig.Preset(s.GetResult(AugShowArgs.Preset, defaultValue = "smoke")))
                                  (s.GetResult(AugShowArgs.Cache, defaultValue = dataCacheDefault))
        let ds = Repro.Core.Data.Coco.CocoDetectionDataset.Open(m.DetectionTrainImages, m.DetectionTrainAnnotations)
        let samples = [| for i in 0 .. min (s.GetResult(AugShowArgs.Count, defaultValue = 6)) ds.Count - 1 -> ds.Get i |]
        let out = s.GetResult(AugShowArgs.Out, defaultValue = Path.Combine("results", sprintf "aug-%s.png" level.Id))
        let config = Repro.Core.Augment.AugmentConfig.ForLevel(level.Id, m.Config.ImageSize)
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
          "cuda", string (TorchSharp.torch.cuda.is_available ()) ]
    if args.Contains EnvArgs.Json then
        report |> dict |> Text.Json.JsonSerializer.Serialize |> printfn "%s"
    else
        for k, v in report do printfn "%-18s %s" k v
    ExitCode.Ok

[<EntryPoint>]
let main argv =
    let parser =
        ArgumentParser.Create<ReproArgs>(
            programName = "repro",
            errorHandler = ProcessExiter(colorizer = function ErrorCode.HelpText -> None | _ -> Some ConsoleColor.Red))
    let results = parser.ParseCommandLine(argv)
    try
        match results.GetSubCommand() with
        | Reproduce a -> reproduce a
        | Plan a -> plan a
        | Sweep a ->
            let profile, store, _, _, plan = planned a
            match a.TryGetResult Execute with
            | Some hash -> execute store plan hash
            | None -> if (sweep a profile store plan).Failed > 0 then ExitCode.Failed else ExitCode.Ok
        | Train a -> train a
        | Tables a -> tables a
        | Claims a -> claims a
        | Golden a -> golden a
        | Eval a -> eval a
        | Data a -> data a
        | Aug a -> aug a
        | Env a -> env a
    with
    | :? ArgumentException as e -> eprintfn "error: %s" e.Message; ExitCode.Usage
    | :? OperationCanceledException -> eprintfn "stopped; run the same command again to resume"; ExitCode.Failed
    | :? InvalidOperationException as e when e.Message.Contains "locked by another sweep" -> eprintfn "error: %s" e.Message; ExitCode.Failed
    | :? Repro.Core.Native.TorchNativeLoadException as e -> eprintfn "error: %s" e.Message; ExitCode.Failed
    | :? FileNotFoundException as e -> eprintfn "error: %s" e.Message; ExitCode.Usage
    | :? DirectoryNotFoundException as e -> eprintfn "error: %s" e.Message; ExitCode.Usage
    | :? InvalidDataException as e -> eprintfn "error: %s" e.Message; ExitCode.Usage
