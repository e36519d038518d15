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

/// An exclusive lock on a results folder for the life of a sweep. The OS releases it if the process dies, so a
/// killed sweep never leaves a stale lock behind.
type SweepLock private (stream: FileStream) =
    static member Acquire(root: string) =
        ensureWritable "--results" root
        let path = Path.Combine(root, "sweep.lock")
        // The lock file itself cannot be read while held, so the holder is described in a file beside it.
        let owner = Path.Combine(root, "sweep.owner")
        try
            let fs = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None)
            Repro.Core.AtomicFile.WriteAllText(owner, sprintf "pid %d on %s since %O" Environment.ProcessId Environment.MachineName DateTime.UtcNow)
            Ok(new SweepLock(fs))
        with :? IOException ->
            let holder = try File.ReadAllText(owner).Trim() with _ -> "unknown process"
            Error(sprintf "%s is locked by another sweep (%s); wait for it or use another --results folder" root holder)

    interface IDisposable with
        member _.Dispose() = stream.Dispose()
