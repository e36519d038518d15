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

/// A small selection of the smoke grid: ImageNet Init at S1 (a pre-training run, then the detection run on it).
let private selection = "imagenet 100% S1 seed"

let private smokeArgs (root: string) (results: string) =
    [ "--profile"; "smoke"; "--results"; results; "--data-cache"; Path.Combine(root, "data")
      "--paper-tables"; TestPaths.paperTables; "--only"; selection ]

let private metricsOf (results: string) =
    (RunStore.RunStore results).All() |> List.map (fun r -> r.Hash, r.Status, r.Metrics |> Map.filter (fun k _ -> not (k.Contains "seconds")))

[<Fact>]
let ``a killed sweep resumes to exactly the records of an uninterrupted one`` () =
    let root = TestPaths.tempDir ()
    let results = Path.Combine(root, "results")
    let common = "--threads" :: "2" :: smokeArgs root results
    // Kill the first sweep as soon as it has finished one run (it is then inside the next one).
    let first = startRepro ("sweep" :: common)
    let deadline = DateTime.UtcNow.AddMinutes 4.0
    while (records results).Length < 1 && not first.HasExited && DateTime.UtcNow < deadline do Thread.Sleep 100
    Assert.False(first.HasExited, "the sweep ended before it could be interrupted")
    first.Kill(entireProcessTree = true)
    first.WaitForExit()
    let afterKill = (records results).Length
    Assert.Equal(1, afterKill)

    let code, _, err = CliTests.runRepro ("sweep" :: common)
    Assert.True((code = 0), err)
    Assert.Contains("1 already recorded", err)
    let all = (RunStore.RunStore results).All()
    Assert.Equal(2, all.Length)
    Assert.All(all, fun r -> Assert.Equal(RunStore.Succeeded, r.Status))
    Assert.Empty(Directory.GetFiles(results, "*.tmp", SearchOption.AllDirectories))
    let code3, _, err3 = CliTests.runRepro ("sweep" :: common)
    Assert.Equal(0, code3)
    Assert.Contains("0 runs to do, 2 already recorded", err3)

    // The same selection without interruption, same thread count: every metric equal bit for bit.
    let clean = Path.Combine(root, "clean")
    let codeC, _, errC = CliTests.runRepro ("sweep" :: "--threads" :: "2" :: smokeArgs root clean)
    Assert.True((codeC = 0), errC)
    Assert.Equal<(string * RunStore.RunStatus * Map<string, float>) list>(metricsOf clean, metricsOf results)

    // The selection's cells against the committed snapshot (exact on its platform, statistical elsewhere) ...
    let golden = Path.Combine(TestPaths.repoRoot, "golden")
    let codeG, outG, errG = CliTests.runRepro ([ "golden"; "check"; "--golden-root"; golden ] @ common)
    Assert.True((codeG = 0), outG + errG)
    Assert.Contains("golden check passed (smoke)", outG)
    // ... and a result moved 20 AP (far past any tolerance in golden/smoke/tolerances.json, whichever snapshot this
    // platform is compared with) fails the check under either layer, naming the cell.
    let store = RunStore.RunStore results
    let victim = all |> List.find (fun r -> r.Label = "det resnet-mini (for efficientnet-b7) imagenet 100% S1 seed 0")
    store.Write { victim with Metrics = victim.Metrics.Add("AP", victim.Metrics.["AP"] + 20.0) }
    for layer in [ "exact"; "statistical" ] do
        let codeP, outP, errP = CliTests.runRepro ([ "golden"; "check"; "--golden-root"; golden; "--layer"; layer ] @ common)
        Assert.Equal(1, codeP)
        Assert.Matches(@"pretraining-vs-augmentation/imagenet/S1\s+\S+\s+\S+\s+\+(1[5-9]|2[0-5])\.\d\d\s+\S+\s+Moved", outP)
        Assert.Contains("golden check FAILED (smoke)", errP)

[<Fact>]
let ``replays under other CPU kernels and thread counts pass the golden check through the statistical layer`` () =
    // Two of the platform variants `repro golden spread` measures, on one cell of the smoke grid.
    let root = TestPaths.tempDir ()
    let golden = Path.Combine(TestPaths.repoRoot, "golden")
    for name, environment, threads in [ "aten-default", [ "ATEN_CPU_CAPABILITY", "default" ], "2"; "threads-1", [], "1" ] do
        let results = Path.Combine(root, name)
        let args = [ "--profile"; "smoke"; "--results"; results; "--data-cache"; Path.Combine(root, "data")
                     "--paper-tables"; TestPaths.paperTables; "--only"; "rand 100% S1 seed"; "--threads"; threads ]
        let code, _, err = CliTests.runReproWith environment ("sweep" :: args)
        Assert.True((code = 0), err)
        let codeG, outG, errG = CliTests.runReproWith environment ([ "golden"; "check"; "--golden-root"; golden ] @ args)
        Assert.True((codeG = 0), name + ": " + outG + errG)
        Assert.Contains("layer: statistical", outG)
        Assert.Contains("platform differs from the snapshot's", outG)

[<Fact>]
let ``golden update refuses a snapshot without signal and names the cells`` () =
    // A selection whose only cell is untrained (a `train` of 12 steps is no cell of the grid) is refused.
    let root = TestPaths.tempDir ()
    let results = Path.Combine(root, "results")
    let code, _, err = CliTests.runRepro [ "train"; "--profile"; "smoke"; "--augment"; "S1"; "--steps"; "12"; "--results"; results
                                           "--data-cache"; Path.Combine(root, "data") ]
    Assert.True((code = 0), err)
    let goldenRoot = Path.Combine(root, "golden")
    let codeU, _, errU = CliTests.runRepro [ "golden"; "update"; "--profile"; "smoke"; "--results"; results; "--golden-root"; goldenRoot
                                             "--data-cache"; Path.Combine(root, "data"); "--paper-tables"; TestPaths.paperTables ]
    Assert.Equal(1, codeU)
    Assert.Contains("golden update refused (smoke)", errU)
    Assert.Contains("the snapshot has no measured cell", errU)
    Assert.False(File.Exists(Path.Combine(goldenRoot, "smoke", "results.json")))

[<Fact>]
let ``golden check without a snapshot names the missing file and exits with the usage code`` () =
    // A profile whose snapshot has not been recorded yet (or was removed because its runs were renamed) must say
    // which file is missing and how to create it, not fail deep inside the comparison.
    let root = TestPaths.tempDir ()
    let goldenRoot = Path.Combine(root, "golden")
    let code, _, err = CliTests.runRepro [ "golden"; "check"; "--profile"; "smoke"; "--results"; Path.Combine(root, "results")
                                           "--golden-root"; goldenRoot; "--data-cache"; Path.Combine(root, "data")
                                           "--paper-tables"; TestPaths.paperTables ]
    Assert.Equal(2, code)
    Assert.Contains("no golden snapshot at " + Path.Combine(goldenRoot, "smoke", "results.json"), err)
    Assert.Contains("repro golden update", err)
    // Said before any planning: the miniature was not generated for a check that cannot run.
    Assert.False(Directory.Exists(Path.Combine(root, "data")), "golden check generated the miniature before reporting the missing snapshot")

[<Fact>]
let ``a run whose recorded prerequisites lost their files runs them again first, and only then`` () =
    // A results folder of committed records alone: ImageNet++ Init's detection run reads Noisy Student's backbone,
    // which reads the supervised classifier.
    let store = RunStore.RunStore(TestPaths.tempDir ())
    let tables = PaperTables.loadAll TestPaths.paperTables
    let profile = { Profiles.smoke with Scope = None }
    let cells = Grid.cells tables |> List.filter (fun c -> c.Name = "det efficientnet-b7 imagenet++ 20% S4")
    let runs = Plan.plan profile (PlanTests.dataAt "/data/mini") store.RunsRoot (Plan.scheduleOf profile (Grid.schedules tables) None) cells
    let all = RunKinds.runnable runs
    Assert.Equal(3, all.Length)
    let supervised, noisyStudent, detection = all.[0], all.[1], all.[2]
    let pending () = Sweep.pending store false runs |> List.map (fun r -> r.Hash)
    let recordAs (r: RunKinds.RunnableRun) =
        Directory.CreateDirectory(store.RunDir r.Hash) |> ignore
        store.Write(TestRecords.recordOf r RunStore.Succeeded [] 1.0)
    recordAs supervised
    recordAs noisyStudent
    // Noisy Student's backbone is gone, and so is the classifier it would be made from again.
    Assert.Equal<string list>([ supervised.Hash; noisyStudent.Hash; detection.Hash ], pending ())
    for hash, file in detection.FilesRead do File.WriteAllText(Path.Combine(store.RunDir hash, file), "")
    Assert.Equal<string list>([ detection.Hash ], pending ())
    // Once nothing left to run reads them, missing files are no reason to run anything.
    recordAs detection
    for hash, file in detection.FilesRead do File.Delete(Path.Combine(store.RunDir hash, file))
    Assert.Empty(pending ())
