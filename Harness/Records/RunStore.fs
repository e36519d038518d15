/// The results folder: one sub-folder per run, named by the hash of its spec, holding the run's working files and,
/// once it ends, its record. Records are written atomically and are the source of truth for tables, claims and
/// golden checks. A sweep holds an OS file lock on the folder so two sweeps cannot write it at once.
module Repro.Harness.RunStore

open System
open System.IO
open System.Text.Json.Nodes

type RunStatus =
    | Succeeded
    | Failed

/// What a finished (or failed) run leaves behind. `Spec` is the canonical JSON of the run's spec, so a record is
/// self-describing without the code that produced it.
type RunRecord =
    { Hash: string
      Kind: string
      Label: string
      /// The grid cell this run measures (Grid.keyOf); None for prerequisite runs (pre-training, data).
      Cell: string option
      Spec: JsonNode
      Seed: int
      Status: RunStatus
      Error: string option
      Metrics: Map<string, float>
      Artifacts: Map<string, string>
      CodeVersion: string
      Environment: Map<string, string>
      StartedUtc: DateTime
      FinishedUtc: DateTime
      WallSeconds: float }

/// A folder given by `flag` cannot be written (a file in its place or above it, no permission): bad input, exit 2.
exception NotWritable of flag: string * folder: string * reason: string with
    override e.Message = sprintf "%s %s: not a writable folder (%s)" e.flag e.folder e.reason

/// Another sweep holds the results folder's lock: nothing is wrong with the input, the work cannot go on now (exit 1).
exception Locked of detail: string with
    override e.Message = e.detail

/// Creates `folder` (given by `flag`) if needed and proves it writable with a probe file, so that a folder that cannot
/// be written is told apart from one another sweep has locked, and is named before any work starts.
let ensureWritable (flag: string) (folder: string) =
    try
        Directory.CreateDirectory folder |> ignore
        let probe = Path.Combine(folder, sprintf ".write-probe-%d" Environment.ProcessId)
        File.WriteAllText(probe, "")
        File.Delete probe
    with e when (e :? IOException || e :? UnauthorizedAccessException) -> raise (NotWritable(flag, folder, e.Message))

/// The record in the folder of run `hash`. A record whose own Hash names another run (copied or moved by hand) is an
/// error naming the file: accepted, its metrics would land in the wrong cell.
let private readRecord (path: string) (hash: string) =
    let record = CanonicalJson.readFile<RunRecord> path
    if record.Hash <> hash then
        raise (InvalidDataException(sprintf "%s: the record of run %s is in the folder of run %s (copied or moved by hand?); move it to runs/%s/ or delete it"
                                        path record.Hash hash record.Hash))
    record

type RunStore(root: string) =
    let runsDir = Path.Combine(root, "runs")

    member _.Root = root
    /// The folder holding one sub-folder per run.
    member _.RunsRoot = runsDir
    member _.RunDir(hash: string) = Path.Combine(runsDir, hash)
    member s.RecordPath(hash: string) = Path.Combine(s.RunDir hash, "record.json")

    member s.TryRead(hash: string) : RunRecord option =
        let p = s.RecordPath hash
        if File.Exists p then Some(readRecord p hash) else None

    member s.Write(record: RunRecord) =
        Repro.Core.AtomicFile.WriteAllText(s.RecordPath record.Hash, CanonicalJson.pretty record)

    /// Every record in the store (a corrupt or misplaced record is an error naming its file, never silently skipped).
    member _.All() : RunRecord list =
        if not (Directory.Exists runsDir) then []
        else
            Directory.GetDirectories runsDir
            |> Array.sort
            |> Array.choose (fun d ->
                let p = Path.Combine(d, "record.json")
                if File.Exists p then Some(readRecord p (Path.GetFileName d)) else None)
            |> List.ofArray

/// Opens `path` holding an OS lock on it (flock: exclusive, or shared where `shared`), retrying for `waitSeconds`;
/// None while another process holds a conflicting lock. The OS drops the lock when the process dies.
let tryLock (path: string) (shared: bool) (waitSeconds: float) =
    let clock = Diagnostics.Stopwatch.StartNew()
    let share = if shared then FileShare.ReadWrite else FileShare.None
    let rec attempt () =
        try Some(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, share))
        with :? IOException when clock.Elapsed.TotalSeconds < waitSeconds ->
            Threading.Thread.Sleep 1000
            attempt ()
    try attempt () with :? IOException -> None

/// A lock on a results folder. A local sweep holds it exclusively for its whole life, so two sweeps cannot write the
/// folder at once. Slurm tasks, and the `sweep --backend slurm` that follows them, hold it shared: any number of them
/// at once, on any node of a shared file system with working locks, but never beside a local sweep.
type SweepLock private (stream: FileStream) =
    static let lockPath root = Path.Combine(root, "sweep.lock")
    // The lock file itself cannot be read while held, so the local holder is described in a file beside it.
    static let ownerPath root = Path.Combine(root, "sweep.owner")
    static let holderOf root = try File.ReadAllText(ownerPath root).Trim() with _ -> "unknown process"

    static member Acquire(root: string) =
        ensureWritable "--results" root
        match tryLock (lockPath root) false 0.0 with
        | Some fs ->
            Repro.Core.AtomicFile.WriteAllText(ownerPath root, sprintf "pid %d on %s since %O" Environment.ProcessId Environment.MachineName DateTime.UtcNow)
            Ok(new SweepLock(fs))
        | None ->
            Error(sprintf "%s is locked by another sweep (last local sweep: %s) or by Slurm tasks running on it (`repro plan` shows them); wait for it or use another --results folder" root (holderOf root))

    /// The shared hold of a Slurm task or of the sweep that follows them; waits up to `waitSeconds` for a local sweep
    /// to end.
    static member AcquireShared(root: string, waitSeconds: float) =
        ensureWritable "--results" root
        match tryLock (lockPath root) true waitSeconds with
        | Some fs -> Ok(new SweepLock(fs))
        | None -> Error(sprintf "%s is locked by a local sweep (%s); Slurm tasks cannot write it meanwhile" root (holderOf root))

    interface IDisposable with
        member _.Dispose() = stream.Dispose()

/// An exclusive lock on one run's folder, held by the process executing it under Slurm: a second task for the same
/// run (two submitters, a requeue) finds it held and leaves the run alone; a poller that finds it free knows nobody
/// is running the run any more.
type RunLock private (stream: FileStream) =
    static let pathOf (store: RunStore) hash = Path.Combine(store.RunDir hash, "run.lock")

    static member TryAcquire(store: RunStore, hash: string, waitSeconds: float) =
        Directory.CreateDirectory(store.RunDir hash) |> ignore
        tryLock (pathOf store hash) false waitSeconds |> Option.map (fun fs -> new RunLock(fs))

    /// Whether some process holds the run's lock now (probed by taking and dropping it).
    static member IsHeld(store: RunStore, hash: string) =
        if not (File.Exists(pathOf store hash)) then false
        else
            match tryLock (pathOf store hash) false 0.0 with
            | Some fs -> fs.Dispose(); false
            | None -> true

    interface IDisposable with
        member _.Dispose() = stream.Dispose()
