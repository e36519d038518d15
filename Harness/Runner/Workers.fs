/// A sweep that runs several runs at once, each in its own `repro` process (`sweep --execute HASH`). Separate
/// processes, not threads: libtorch's random generator and thread count are process-wide, so two runs in one process
/// would draw from one generator and stop being a function of their own config and seed. On 2 cores two 1-thread
/// runs train ~1.6x the images per second of one 2-thread run.
///
/// The parent holds the results folder's lock, starts a run once the runs it requires have ended, relays the
/// workers' progress (to the live board on a terminal, as plain lines otherwise), and records a run as failed when its worker dies without writing a record
/// (a crash, or the memory watchdog killing it).
module Repro.Harness.Workers

open System
open System.Collections.Generic
open System.Diagnostics
open System.Globalization
open System.IO
open Repro.Core.Training
open Repro.Harness.RunStore
open Repro.Harness.DataSources
open Repro.Harness.RunKinds
open Repro.Harness.Plan

/// The line a worker writes on stdout for each progress report; the parent parses it.
/// How to start this program again as a child process (a worker, a replay): `dotnet repro.dll ...` runs through the
/// dotnet host, so the child then needs the entry assembly as its first argument.
let thisProgram () =
    let exe = Environment.ProcessPath
    let psi = ProcessStartInfo(exe)
    if IO.Path.GetFileNameWithoutExtension exe = "dotnet" then psi.ArgumentList.Add(Reflection.Assembly.GetEntryAssembly().Location)
    psi

let progressPrefix = "@progress"

let formatProgress (p: TrainingProgress) =
    let loss = match p.Losses.TryGetValue "loss" with | true, v -> v | _ -> nan
    String.Format(CultureInfo.InvariantCulture, "{0} {1} {2} {3:R} {4:F1}", progressPrefix, p.Step, p.TotalSteps, loss, p.Eta.TotalSeconds)

/// (step, total steps, loss, ETA seconds) from a worker's progress line; None for any other line.
let parseProgress (line: string) =
    match line.Split(' ', StringSplitOptions.RemoveEmptyEntries) with
    | [| prefix; step; total; loss; eta |] when prefix = progressPrefix ->
        let inv = CultureInfo.InvariantCulture
        match Int64.TryParse(step, NumberStyles.Integer, inv), Int64.TryParse(total, NumberStyles.Integer, inv),
              Double.TryParse(loss, NumberStyles.Float, inv), Double.TryParse(eta, NumberStyles.Float, inv) with
        | (true, s), (true, t), (true, l), (true, e) -> Some(s, t, l, e)
        | _ -> None
    | _ -> None

/// The runs of `todo` in plan order that may start now: every run they require that is itself in `todo` has ended.
/// (A requirement outside `todo` is recorded already; the worker checks that it succeeded.)
let ready (todo: RunnableRun list) (ended: Set<string>) (started: Set<string>) =
    let inTodo = todo |> List.map (fun r -> r.Hash) |> Set.ofList
    todo
    |> List.filter (fun r ->
        not (started.Contains r.Hash)
        && r.RequiredHashes |> List.forall (fun h -> not (inTodo.Contains h) || ended.Contains h))

/// Resident memory one worker needs at least: the largest process of the default profile's sweep peaked at 1.5 GB.
let minMemoryPerWorker = 1.5e9

/// The most workers `cores` cores and `memoryBytes` of memory allow (at least 1): one per core (more only slow each
/// other down), and each with `minMemoryPerWorker` under the watchdog's default share, 90% of memory / workers.
let allowed (cores: int) (memoryBytes: int64) =
    max 1 (min cores (int (0.9 * float memoryBytes / minMemoryPerWorker)))

type private Worker =
    { Run: RunnableRun
      Index: int
      Process: Process
      Clock: Stopwatch
      /// The record's finish time before this attempt (a retried failed run has one): a record no newer is stale.
      PreviousFinish: DateTime option
      mutable Step: int64
      mutable Total: int64
      mutable Eta: float
      /// The last lines the worker wrote on stderr, for the failure record when it dies.
      Tail: Queue<string>
      mutable KilledWhy: string option }

/// Kills the worker's whole process tree; never throws (it may have exited meanwhile).
let private kill (w: Worker) = try w.Process.Kill true with _ -> ()

/// The record a worker that died without writing one leaves: Failed, with the reason and its last stderr lines.
let private deathRecord (store: RunStore) (w: Worker) (why: string) =
    Directory.CreateDirectory(store.RunDir w.Run.Hash) |> ignore
    let record =
        Runner.failureOf store w.Run (DateTime.UtcNow - w.Clock.Elapsed) w.Clock.Elapsed.TotalSeconds why
            (why + "\n\nlast lines of the worker's stderr:\n" + String.Join("\n", w.Tail))
    store.Write record
    record

/// Runs `todo` with up to `workers` worker processes (`start run` gives a worker's start info); `maxMemoryBytes` is
/// the resident memory above which a worker is killed and its run recorded as failed. On cancellation no new run
/// starts; running workers (which got the same Ctrl-C) stop at a checkpoint, and are killed after a grace period.
/// Progress goes to `board` when given, as plain lines on stderr otherwise. Returns (failed runs, wall seconds).
let run (store: RunStore) (todo: RunnableRun list) (workers: int) (start: RunnableRun -> ProcessStartInfo)
        (maxMemoryBytes: int64) (board: LiveBoard.Board option) (ct: Threading.CancellationToken) =
    let sw = Stopwatch.StartNew()
    let total = todo.Length
    let totalEstimate = todo |> List.sumBy (fun r -> r.EstimatedSeconds)
    let running = List<Worker>()
    let mutable ended = Set.empty
    let mutable started = Set.empty
    let mutable estimatedDone = 0.0
    let mutable failed = 0
    let mutable lastStatus = Stopwatch.StartNew()
    let mutable cancelledAt: Stopwatch option = None
    // Plain progress lines only without a board: the board shows the same events live.
    let say fmt = Printf.kprintf (fun line -> if board.IsNone then eprintfn "%s" line) fmt
    // Wall seconds per estimated second, from the runs that ended (workers overlap, so it starts at 1/workers).
    let ratio () = if estimatedDone > 0.0 then sw.Elapsed.TotalSeconds / estimatedDone else 1.0 / float workers
    let failedPrerequisite (r: RunnableRun) =
        r.RequiredHashes |> List.exists (fun h -> store.TryRead h |> Option.exists (fun x -> x.Status = Failed))
    let launch (r: RunnableRun) =
        let psi = start r
        psi.RedirectStandardOutput <- true
        psi.RedirectStandardError <- true
        psi.UseShellExecute <- false
        let p = new Process(StartInfo = psi)
        let w =
            { Run = r; Index = started.Count + 1; Process = p; Clock = Stopwatch.StartNew()
              PreviousFinish = store.TryRead r.Hash |> Option.map (fun x -> x.FinishedUtc)
              Step = 0L; Total = 0L; Eta = nan; Tail = Queue<string>(); KilledWhy = None }
        p.OutputDataReceived.Add(fun e ->
            if not (isNull e.Data) then
                match parseProgress e.Data with
                | Some(s, t, _, eta) ->
                    w.Step <- s; w.Total <- t; w.Eta <- eta
                    board |> Option.iter (fun b -> b.Step(w.Index, s, t, eta))
                | None -> ())
        p.ErrorDataReceived.Add(fun e ->
            if not (isNull e.Data) then
                lock w.Tail (fun () ->
                    w.Tail.Enqueue e.Data
                    if w.Tail.Count > 40 then w.Tail.Dequeue() |> ignore))
        p.Start() |> ignore
        p.BeginOutputReadLine()
        p.BeginErrorReadLine()
        started <- started.Add r.Hash
        running.Add w
        board |> Option.iter (fun b -> b.Start(w.Index, r.Label, r.EstimatedSeconds))
        say "[%d/%d] start %s  (run ~%s, sweep left ~%s)" w.Index total r.Label
            (LiveBoard.duration (r.EstimatedSeconds * ratio () * float workers)) (LiveBoard.duration ((totalEstimate - estimatedDone) * ratio ()))
    let finish (w: Worker) =
        w.Process.WaitForExit() // drains the redirected output
        let code = w.Process.ExitCode
        running.Remove w |> ignore
        let fresh = store.TryRead w.Run.Hash |> Option.filter (fun x -> Some x.FinishedUtc <> w.PreviousFinish)
        match fresh, w.KilledWhy with
        | Some record, None ->
            ended <- ended.Add w.Run.Hash
            estimatedDone <- estimatedDone + w.Run.EstimatedSeconds
            board |> Option.iter (fun b -> b.Finish(w.Index, record))
            match record.Status with
            | Succeeded -> say "[%d/%d] done  %s: %s (%s)" w.Index total w.Run.Label (LiveBoard.headline record.Metrics) (LiveBoard.duration record.WallSeconds)
            | Failed ->
                failed <- failed + 1
                say "[%d/%d] FAILED %s: %s" w.Index total w.Run.Label (defaultArg record.Error "?")
        | _ when ct.IsCancellationRequested && w.KilledWhy.IsNone ->
            // Stopped by Ctrl-C: no record, so the next sweep resumes it from its last checkpoint.
            board |> Option.iter (fun b -> b.Drop w.Index)
            say "[%d/%d] stopped %s (resumes next time)" w.Index total w.Run.Label
        | _ ->
            let why =
                match w.KilledWhy with
                | Some why -> why
                | None ->
                    let last = lock w.Tail (fun () -> w.Tail |> Seq.filter (fun l -> l.Trim() <> "") |> Seq.tryLast)
                    sprintf "worker process exited with code %d without a record%s" code
                        (match last with Some l -> ": " + l.Trim() | None -> "")
            let record = deathRecord store w why
            ended <- ended.Add w.Run.Hash
            estimatedDone <- estimatedDone + w.Run.EstimatedSeconds
            failed <- failed + 1
            board |> Option.iter (fun b -> b.Finish(w.Index, record))
            say "[%d/%d] FAILED %s: %s" w.Index total w.Run.Label (defaultArg record.Error "?")
    let status () =
        let parts =
            [ for w in running ->
                if w.Total > 0L then sprintf "%s %d/%d eta %s" w.Run.Label w.Step w.Total (LiveBoard.duration w.Eta)
                else sprintf "%s (starting)" w.Run.Label ]
        let left = totalEstimate - estimatedDone - (running |> Seq.sumBy (fun w -> w.Run.EstimatedSeconds))
        let runningLeft = running |> Seq.map (fun w -> if Double.IsNaN w.Eta then w.Run.EstimatedSeconds else w.Eta) |> Seq.fold max 0.0
        eprintfn "      %s | %d/%d ended, sweep left ~%s" (String.Join(" | ", parts)) ended.Count total
            (LiveBoard.duration (max runningLeft (left * ratio ())))
    try
        while ended.Count < total && (running.Count > 0 || not ct.IsCancellationRequested) do
            if not ct.IsCancellationRequested then
                let mutable next = ready todo ended started
                while running.Count < workers && not next.IsEmpty do
                    let r = next.Head
                    if failedPrerequisite r then
                        // Nothing to train: the runner records the failure naming the prerequisite, here and at once.
                        let record = Runner.execute store r (Progress<TrainingProgress>()) ct
                        started <- started.Add r.Hash
                        ended <- ended.Add r.Hash
                        failed <- failed + 1
                        board |> Option.iter (fun b -> b.Start(started.Count, r.Label, r.EstimatedSeconds); b.Finish(started.Count, record))
                        say "[%d/%d] FAILED %s: %s" started.Count total r.Label (defaultArg record.Error "?")
                    else launch r
                    next <- ready todo ended started
                if running.Count = 0 && next.IsEmpty && ended.Count < total then
                    // Cannot happen for a plan in dependency order; stop rather than spin.
                    raise (InvalidOperationException "sweep: runs left whose prerequisites never end (plan order broken)")
            else if cancelledAt.IsNone then cancelledAt <- Some(Stopwatch.StartNew())
            Threading.Thread.Sleep 500
            for w in List.ofSeq running do
                if w.Process.HasExited then finish w
                else
                    try
                        w.Process.Refresh()
                        let rss = w.Process.WorkingSet64
                        if rss > maxMemoryBytes && w.KilledWhy.IsNone then
                            w.KilledWhy <- Some(sprintf "worker killed by the memory watchdog: resident memory %.1f GB over the limit %.1f GB (--max-memory-gb)"
                                                    (float rss / 1e9) (float maxMemoryBytes / 1e9))
                            kill w
                    with :? InvalidOperationException -> ()
            match cancelledAt with
            | Some t when t.Elapsed.TotalSeconds > 120.0 -> for w in running do kill w
            | _ -> ()
            if lastStatus.Elapsed.TotalSeconds >= 30.0 && running.Count > 0 && board.IsNone then
                lastStatus <- Stopwatch.StartNew()
                status ()
    finally
        for w in List.ofSeq running do kill w
    if ct.IsCancellationRequested then raise (OperationCanceledException ct)
    failed, sw.Elapsed.TotalSeconds
