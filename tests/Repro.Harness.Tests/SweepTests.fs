module Repro.Harness.Tests.SweepTests

open System
open System.Diagnostics
open System.IO
open System.Threading
open Xunit
open Repro.Harness

/// Starts `repro` as a child process (not waiting), output discarded.
let private startRepro (args: string list) =
    let psi = ProcessStartInfo("dotnet", RedirectStandardOutput = true, RedirectStandardError = true)
    psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "repro.dll"))
    for a in args do psi.ArgumentList.Add a
    let p = Process.Start psi
    p.OutputDataReceived.Add ignore
    p.ErrorDataReceived.Add ignore
    p.BeginOutputReadLine()
    p.BeginErrorReadLine()
    p

let private records (results: string) =
    let runs = Path.Combine(results, "runs")
    if Directory.Exists runs then Directory.GetFiles(runs, "record.json", SearchOption.AllDirectories) else [||]

[<Fact>]
let ``a killed sweep resumes and completes the grid with one intact record per run`` () =
    let root = TestPaths.tempDir ()
    let results = Path.Combine(root, "results")
    let common = [ "--profile"; "smoke"; "--results"; results; "--data-cache"; Path.Combine(root, "data")
                   "--paper-tables"; TestPaths.paperTables ]
    // Kill the first sweep as soon as it has finished one run (it is then inside the next one).
    let first = startRepro ("sweep" :: common)
    let deadline = DateTime.UtcNow.AddMinutes 4.0
    while (records results).Length < 1 && not first.HasExited && DateTime.UtcNow < deadline do Thread.Sleep 100
    Assert.False(first.HasExited, "the sweep ended before it could be interrupted")
    first.Kill(entireProcessTree = true)
    first.WaitForExit()
    let afterKill = (records results).Length
    Assert.InRange(afterKill, 1, 77)

    let code, _, err = CliTests.runRepro ("sweep" :: common)
    Assert.True((code = 0), err)
    Assert.Contains(sprintf "%d already recorded" afterKill, err)
    // Every runnable smoke run has exactly one record, each parses and succeeded, and nothing half-written is left.
    // (every runnable cell and prerequisite of the smoke grid: pre-training, teachers, pseudo labels, students, joint
    // and segmentation runs, w/ All; cells the profile maps to one config share a run.)
    let store = RunStore.RunStore results
    let all = store.All()
    Assert.Equal(78, all.Length)
    Assert.All(all, fun r -> Assert.Equal(RunStore.Succeeded, r.Status))
    Assert.Empty(Directory.GetFiles(results, "*.tmp", SearchOption.AllDirectories))
    // A third sweep has nothing left to do.
    let code3, _, err3 = CliTests.runRepro ("sweep" :: common)
    Assert.Equal(0, code3)
    Assert.Contains("0 runs to do, 78 already recorded", err3)

    // The resumed grid reproduces the committed golden snapshot (so resume changed nothing, and neither did the code
    // since the snapshot was taken) ...
    let golden = Path.Combine(TestPaths.repoRoot, "golden")
    let codeG, outG, errG = CliTests.runRepro ([ "golden"; "check"; "--golden-root"; golden ] @ common)
    Assert.True((codeG = 0), outG + errG)
    Assert.Contains("golden check passed (smoke)", outG)
    // The report lists each pre-training run with the numbers its record holds.
    let codeT, _, errT = CliTests.runRepro ("tables" :: common)
    Assert.True((codeT = 0), errT)
    let report = File.ReadAllText(Path.Combine(results, "report.md"))
    let pre = all |> List.filter (fun r -> r.Label.StartsWith "pre-training")
    Assert.Equal(3, pre.Length)
    for r in pre do
        let row = report.Split('\n') |> Array.find (fun line -> line.StartsWith(sprintf "| %s | " r.Label))
        Assert.Contains(sprintf "| %.1f | %.1f |" r.Metrics.["linear_probe_top1"] r.Metrics.["random_linear_probe_top1"], row)
    // ... and a perturbed result fails the check with a diff naming the cell.
    let victim = all |> List.find (fun r -> r.Label = "det efficientnet-b7 rand 100% S1 seed 0")
    store.Write { victim with Metrics = victim.Metrics.Add("AP", victim.Metrics.["AP"] + 1.0) }
    let codeP, outP, errP = CliTests.runRepro ([ "golden"; "check"; "--golden-root"; golden ] @ common)
    Assert.Equal(1, codeP)
    Assert.Matches(@"pretraining-vs-augmentation/rand/S1\s+\S+\s+\S+\s+\+1\.00\s+0\.05\s+Moved", outP)
    Assert.Contains("golden check FAILED (smoke)", errP)

[<Fact>]
let ``the committed default run records pass the default golden check and re-render without training`` () =
    // The records behind the README's default results (golden/default/runs) against golden/default/results.json:
    // planning the default profile finds every in-scope run recorded (names are config hashes over the regenerated
    // miniature's content hash), and the tables computed from them match the snapshot.
    let root = TestPaths.tempDir ()
    let results = Path.Combine(root, "results")
    let golden = Path.Combine(TestPaths.repoRoot, "golden")
    for record in Directory.GetFiles(Path.Combine(golden, "default", "runs"), "record.json", SearchOption.AllDirectories) do
        let target = Path.Combine(results, "runs", Path.GetFileName(Path.GetDirectoryName record))
        Directory.CreateDirectory target |> ignore
        File.Copy(record, Path.Combine(target, "record.json"))
    let common = [ "--profile"; "default"; "--results"; results; "--data-cache"; Path.Combine(root, "data")
                   "--paper-tables"; TestPaths.paperTables ]
    let _, planOut, _ = CliTests.runRepro ("plan" :: common)
    Assert.Contains("83 runs: 0 to do (~0.0 min), 49 recorded, 34 blocked", planOut)
    let code, out, err = CliTests.runRepro ([ "golden"; "check"; "--golden-root"; golden ] @ common)
    Assert.True((code = 0), out + err)
    Assert.Contains("golden check passed (default)", out)
