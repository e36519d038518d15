module Repro.Harness.Tests.RunStoreTests

open System
open System.IO
open System.Text.Json.Nodes
open Xunit
open Repro.Harness
open Repro.Harness.RunStore

let record hash status =
    { Hash = hash; Kind = "detection"; Label = "test"; Cell = None; Spec = JsonNode.Parse """{"a":1}"""; Seed = 0
      Status = status; Error = (if status = Failed then Some "NaN loss at step 3" else None)
      Metrics = Map [ "AP", 12.5 ]; Artifacts = Map.empty; CodeVersion = "test"; Environment = Map.empty
      StartedUtc = DateTime(2026, 1, 1); FinishedUtc = DateTime(2026, 1, 1, 0, 1, 0); WallSeconds = 60.0 }

[<Fact>]
let ``records round-trip and list in hash order`` () =
    let store = RunStore(TestPaths.tempDir ())
    store.Write(record "bbb" Succeeded)
    store.Write(record "aaa" Failed)
    let all = store.All()
    Assert.Equal<string list>([ "aaa"; "bbb" ], all |> List.map (fun r -> r.Hash))
    Assert.Equal(Some "NaN loss at step 3", all.Head.Error)
    Assert.Equal(12.5, all.[1].Metrics.["AP"])
    Assert.Equal(None, store.TryRead "ccc")
    // No temp files are left beside the records.
    Assert.Empty(Directory.GetFiles(store.Root, "*.tmp", SearchOption.AllDirectories))

[<Fact>]
let ``a corrupt record is an error naming its file`` () =
    let store = RunStore(TestPaths.tempDir ())
    Directory.CreateDirectory(store.RunDir "zzz") |> ignore
    File.WriteAllText(store.RecordPath "zzz", "{ half a rec")
    let e = Assert.Throws<InvalidDataException>(fun () -> store.All() |> ignore)
    Assert.Contains(store.RecordPath "zzz", e.Message)

[<Fact>]
let ``the sweep lock is exclusive and released on dispose`` () =
    let root = TestPaths.tempDir ()
    match SweepLock.Acquire root with
    | Error e -> failwith e
    | Ok held ->
        match SweepLock.Acquire root with
        | Ok _ -> failwith "second lock acquired while the first is held"
        | Error msg -> Assert.Contains("locked by another sweep", msg); Assert.Contains(sprintf "pid %d" Environment.ProcessId, msg)
        (held :> IDisposable).Dispose()
        match SweepLock.Acquire root with
        | Ok again -> (again :> IDisposable).Dispose()
        | Error e -> failwithf "lock not released: %s" e

[<Fact>]
let ``Slurm tasks hold the folder shared: together, never beside a local sweep, which they wait for`` () =
    let root = TestPaths.tempDir ()
    let shared () = match SweepLock.AcquireShared(root, 0.0) with Ok l -> l :> IDisposable | Error e -> failwith e
    let a, b = shared (), shared ()
    match SweepLock.Acquire root with
    | Ok _ -> failwith "a local sweep locked the folder beside two Slurm tasks"
    | Error msg -> Assert.Contains("or by Slurm tasks running on it", msg)
    a.Dispose(); b.Dispose()
    match SweepLock.Acquire root with
    | Error e -> failwithf "lock not released: %s" e
    | Ok local ->
        match SweepLock.AcquireShared(root, 0.0) with
        | Ok _ -> failwith "a Slurm task locked the folder beside a local sweep"
        | Error msg -> Assert.Contains("is locked by a local sweep", msg)
        // A task waits for the local sweep to end.
        let release = Threading.Tasks.Task.Run(fun () -> Threading.Thread.Sleep 1500; (local :> IDisposable).Dispose())
        let clock = Diagnostics.Stopwatch.StartNew()
        match SweepLock.AcquireShared(root, 20.0) with
        | Ok l -> (l :> IDisposable).Dispose()
        | Error e -> failwithf "the task did not get the lock once the local sweep let go: %s" e
        Assert.True(clock.Elapsed.TotalSeconds >= 1.0)
        release.Wait()

[<Fact>]
let ``a run's lock: one holder, seen as held by others, free once released`` () =
    let store = RunStore(TestPaths.tempDir ())
    Assert.False(RunLock.IsHeld(store, "abc"))
    match RunLock.TryAcquire(store, "abc", 0.0) with
    | None -> failwith "a free run lock was refused"
    | Some held ->
        Assert.True(RunLock.IsHeld(store, "abc"))
        Assert.True((RunLock.TryAcquire(store, "abc", 0.0)).IsNone)
        Assert.False(RunLock.IsHeld(store, "other"))
        (held :> IDisposable).Dispose()
        Assert.False(RunLock.IsHeld(store, "abc"))

[<Fact>]
let ``a record copied into another run's folder is an error naming the file`` () =
    let store = RunStore(TestPaths.tempDir ())
    store.Write(record "aaa" Succeeded)
    Directory.CreateDirectory(store.RunDir "bbb") |> ignore
    File.Copy(store.RecordPath "aaa", store.RecordPath "bbb")
    let e = Assert.Throws<InvalidDataException>(fun () -> store.TryRead "bbb" |> ignore)
    Assert.Contains(store.RecordPath "bbb", e.Message)
    Assert.Contains("the record of run aaa is in the folder of run bbb", e.Message)
    Assert.Throws<InvalidDataException>(fun () -> store.All() |> ignore) |> ignore
    // The record in its own folder still reads.
    Assert.Equal(Some "aaa", store.TryRead "aaa" |> Option.map (fun r -> r.Hash))

[<Fact>]
let ``a results path that cannot be written is told apart from a locked one`` () =
    // Root writes through chmod, so "cannot be written" is a path that is a file, or lies under one.
    let file = Path.Combine(TestPaths.tempDir (), "a-file")
    File.WriteAllText(file, "")
    for root in [ file; Path.Combine(file, "results") ] do
        match Assert.ThrowsAny<exn>(fun () -> SweepLock.Acquire root |> ignore) with
        | NotWritable(flag, folder, _) -> Assert.Equal("--results", flag); Assert.Equal(root, folder)
        | e -> failwithf "expected NotWritable for %s, got %O" root e
