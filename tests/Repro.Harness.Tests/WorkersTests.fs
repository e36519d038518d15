module Repro.Harness.Tests.WorkersTests

open System
open System.Collections.Generic
open System.IO
open Xunit
open Repro.Core.Training
open Repro.Harness

[<Fact>]
let ``a progress line round-trips and other lines are ignored`` () =
    let p = TrainingProgress(120L, 3000L, Dictionary<string, float>(dict [ "loss", 0.8125 ]), 0.001, Nullable 412.0,
                             TimeSpan.FromSeconds 10.0, TimeSpan.FromSeconds 95.5)
    Assert.Equal(Some(120L, 3000L, 0.8125, 95.5), Workers.parseProgress (Workers.formatProgress p))
    Assert.Equal(None, Workers.parseProgress "      step 120/3000  loss 0.812")
    Assert.Equal(None, Workers.parseProgress "@progress 1 2 x 4")

let private run (hash: string) (requires: string list) = PlanTests.graphRun hash requires 1.0

[<Fact>]
let ``a run becomes ready when the runs it requires have ended`` () =
    // a <- b <- c, d independent; "z" is outside the sweep (recorded earlier), so it does not hold b back.
    let todo = [ run "a" []; run "b" [ "a"; "z" ]; run "c" [ "b" ]; run "d" [] ]
    let ids (rs: RunKinds.RunnableRun list) = rs |> List.map (fun r -> r.Hash)
    Assert.Equal<string list>([ "a"; "d" ], ids (Workers.ready todo Set.empty Set.empty))
    Assert.Equal<string list>([ "d" ], ids (Workers.ready todo Set.empty (set [ "a" ])))
    Assert.Equal<string list>([ "b" ], ids (Workers.ready todo (set [ "a"; "d" ]) (set [ "a"; "d" ])))
    Assert.Equal<string list>([ "c" ], ids (Workers.ready todo (set [ "a"; "b"; "d" ]) (set [ "a"; "b"; "d" ])))

let private common (root: string) (results: string) =
    [ "--profile"; "smoke"; "--results"; results; "--data-cache"; Path.Combine(root, "data")
      "--paper-tables"; TestPaths.paperTables; "--only"; "rand 100% S1 +ST seed"; "--only"; "rand 100% S2 seed" ]

[<Fact>]
let ``two workers record exactly what one process records, bit for bit`` () =
    let root = TestPaths.tempDir ()
    let inProcess = Path.Combine(root, "one")
    let workers = Path.Combine(root, "two")
    let code1, _, err1 = CliTests.runRepro ("sweep" :: common root inProcess @ [ "--threads"; "1"; "--workers"; "1" ])
    Assert.True((code1 = 0), err1)
    let code2, _, err2 = CliTests.runRepro ("sweep" :: common root workers @ [ "--workers"; "2" ])
    Assert.True((code2 = 0), err2)
    Assert.Contains("2 workers, 1 thread(s) each", err2)
    let a = (RunStore.RunStore inProcess).All()
    let b = (RunStore.RunStore workers).All()
    // The S1 student with its prerequisites (the S1 cell as its teacher, pseudo labels) and the S2 cell: by hand 4.
    Assert.Equal(4, a.Length)
    Assert.Equal<string list>(a |> List.map (fun r -> r.Hash), b |> List.map (fun r -> r.Hash))
    for x, y in List.zip a b do
        Assert.Equal(RunStore.Succeeded, y.Status)
        // Same config, seed and thread count: the numbers are identical, whichever process ran them.
        Assert.Equal<Map<string, float>>(x.Metrics |> Map.remove "train_seconds", y.Metrics |> Map.remove "train_seconds")

[<Fact>]
let ``a worker over the memory limit is killed and its run recorded as failed with the reason`` () =
    let root = TestPaths.tempDir ()
    let results = Path.Combine(root, "results")
    let code, _, err = CliTests.runRepro ("sweep" :: common root results @ [ "--workers"; "2"; "--max-memory-gb"; "0.01" ])
    Assert.Equal(1, code)
    let all = (RunStore.RunStore results).All()
    Assert.Equal(4, all.Length)
    Assert.All(all, fun r -> Assert.Equal(RunStore.Failed, r.Status))
    let killed = all |> List.filter (fun r -> (defaultArg r.Error "").StartsWith "worker killed by the memory watchdog")
    // The two runs that need nothing (the S1 cell, also the student's teacher, and the S2 cell) start first and are killed.
    Assert.Equal(2, killed.Length)
    for r in killed do Assert.True(File.Exists(Path.Combine(results, "runs", r.Hash, "error.txt")))
    // The runs that needed a killed run fail at once, naming it.
    Assert.Contains(all, fun r -> (defaultArg r.Error "").Contains "prerequisite")
    Assert.Contains("FAILED", err)

/// PIDs of the worker processes (`sweep ... --execute`) writing into `results`, from /proc.
let private workersOf (results: string) =
    [ for d in Directory.GetDirectories "/proc" do
        match Int32.TryParse(Path.GetFileName d) with
        | true, pid ->
            let cmdline = try File.ReadAllText(Path.Combine(d, "cmdline")).Replace('\000', ' ') with _ -> ""
            if cmdline.Contains "--execute" && cmdline.Contains results then yield pid
        | _ -> () ]

[<Fact>]
let ``workers of a killed sweep stop on their own, and the next sweep completes the grid`` () =
    let root = TestPaths.tempDir ()
    let results = Path.Combine(root, "results")
    let args = "sweep" :: common root results @ [ "--workers"; "2" ]
    let psi = Diagnostics.ProcessStartInfo("dotnet", RedirectStandardOutput = true, RedirectStandardError = true)
    psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "repro.dll"))
    for a in args do psi.ArgumentList.Add a
    use parent = Diagnostics.Process.Start psi
    parent.OutputDataReceived.Add ignore
    parent.ErrorDataReceived.Add ignore
    parent.BeginOutputReadLine()
    parent.BeginErrorReadLine()
    let deadline = DateTime.UtcNow.AddMinutes 2.0
    while (workersOf results).IsEmpty && DateTime.UtcNow < deadline do Threading.Thread.Sleep 100
    Assert.NotEmpty(workersOf results)
    // Kill the parent alone, as an OOM killer or `kill -9` would.
    parent.Kill(entireProcessTree = false)
    parent.WaitForExit()
    let gone = DateTime.UtcNow.AddSeconds 60.0
    while not (workersOf results).IsEmpty && DateTime.UtcNow < gone do Threading.Thread.Sleep 200
    Assert.Empty(workersOf results)
    let code, _, err = CliTests.runRepro args
    Assert.True((code = 0), err)
    let all = (RunStore.RunStore results).All()
    Assert.Equal(4, all.Length)
    Assert.All(all, fun r -> Assert.Equal(RunStore.Succeeded, r.Status))

[<Fact>]
let ``the worker cap is one per core and 1.5 GB of memory each, never below 1`` () =
    Assert.Equal(2, Workers.allowed 2 24_000_000_000L)
    Assert.Equal(6, Workers.allowed 64 10_000_000_000L) // 0.9 * 10 GB / 1.5 GB
    Assert.Equal(1, Workers.allowed 4 1_000_000_000L)

[<Fact>]
let ``--workers beyond the cores and memory is capped, saying so, and below 1 is refused`` () =
    let root = TestPaths.tempDir ()
    let results = Path.Combine(root, "results")
    let code0, _, err0 = CliTests.runRepro ("sweep" :: common root results @ [ "--workers"; "0" ])
    Assert.Equal(2, code0)
    Assert.Contains("--workers must be >= 1, got 0", err0)
    let cores = Environment.ProcessorCount
    let expected = Workers.allowed cores (GC.GetGCMemoryInfo().TotalAvailableMemoryBytes)
    // A tiny memory limit kills every worker at once: the test is about how many start, not what they train.
    let code, _, err = CliTests.runRepro ("sweep" :: common root results @ [ "--workers"; "99"; "--max-memory-gb"; "0.01" ])
    Assert.Equal(1, code)
    Assert.Contains(sprintf "--workers 99 capped at %d (%d cores available to this process" expected cores, err)
    Assert.Contains(sprintf "sweep: %d workers, 1 thread(s) each" expected, err)

[<Fact>]
let ``a rerun after failed runs counts the recorded failures and exits 1`` () =
    let root = TestPaths.tempDir ()
    let results = Path.Combine(root, "results")
    let code1, _, _ = CliTests.runRepro ("sweep" :: common root results @ [ "--workers"; "2"; "--max-memory-gb"; "0.01" ])
    Assert.Equal(1, code1)
    // Nothing left to run, but every record is a failure: not a success.
    let code, _, err = CliTests.runRepro ("sweep" :: common root results @ [ "--threads"; "1"; "--workers"; "1" ])
    Assert.Equal(1, code)
    Assert.Contains("sweep done: 0 ran, 0 failed, 4 already recorded (4 of them failed: rerun with --retry-failed)", err)

[<Fact>]
let ``a run's folder loses the temp files a killed writer left, and keeps everything else`` () =
    let dir = TestPaths.tempDir ()
    Directory.CreateDirectory(Path.Combine(dir, "train")) |> ignore
    let stale = [ Path.Combine(dir, "spec.json.4242.0123abcd.tmp"); Path.Combine(dir, "train", "metrics.jsonl.4242.99.tmp") ]
    let kept = [ Path.Combine(dir, "spec.json"); Path.Combine(dir, "train", "metrics.jsonl") ]
    for f in stale @ kept do File.WriteAllText(f, "x")
    Runner.removeStaleTemps dir
    for f in stale do Assert.False(File.Exists f, f)
    for f in kept do Assert.True(File.Exists f, f)
