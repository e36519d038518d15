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
