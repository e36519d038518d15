module Repro.Harness.Tests.SlurmTests

open System
open System.Diagnostics
open System.IO
open System.Threading
open Xunit
open Repro.Harness
open Repro.Harness.SlurmJobs

let private run = PlanTests.graphRun

[<Fact>]
let ``runs that wait for the same tasks share an array, and each array waits for exactly its runs' prerequisites`` () =
    // t: a teacher; p: its pseudo labels; s: the student (needs both); a, b: independent; x needs a; q needs a run
    // queued by an earlier submission; r needs one recorded already (outside both: no waiting).
    let todo =
        [ run "a" [] 1.0; run "t" [] 1.0; run "p" [ "t" ] 1.0; run "s" [ "t"; "p" ] 1.0; run "b" [] 1.0
          run "x" [ "a" ] 1.0; run "q" [ "old" ] 1.0; run "r" [ "recorded" ] 1.0; run "a" [] 1.0 ]
    let arrays = SlurmJobs.arrays todo (Map [ "old", "41_3" ])
    let shape = arrays |> List.map (fun a -> a.Number, a.Runs |> List.map (fun r -> r.Hash), a.After)
    let expected =
        [ 1, [ "a"; "t"; "b"; "r" ], []
          2, [ "p" ], [ InThisSubmission(1, 1) ]
          3, [ "s" ], [ InThisSubmission(1, 1); InThisSubmission(2, 0) ]
          4, [ "x" ], [ InThisSubmission(1, 0) ]
          5, [ "q" ], [ Queued "41_3" ] ]
    Assert.Equal<(int * string list * Dependency list) list>(expected, shape)
    let ids = Map [ 1, "100"; 2, "101"; 3, "102"; 4, "103"; 5, "104" ]
    Assert.Equal(Some "afterok:100_1:101_0", dependencyOf (fun n -> ids.[n]) arrays.[2])
    Assert.Equal(Some "afterok:41_3", dependencyOf (fun n -> ids.[n]) arrays.[4])
    Assert.Equal(None, dependencyOf (fun n -> ids.[n]) arrays.[0])

[<Fact>]
let ``Slurm time limits, and shell quoting that reads back every character`` () =
    Assert.Equal("00:15:00", timeLimit 900.0)
    Assert.Equal("01:00:01", timeLimit 3600.2)
    Assert.Equal("1-01:01:01", timeLimit 90061.0)
    // No profile limit: 4 × the largest estimate, at least 15 minutes.
    let array runs = { Number = 1; Runs = runs; After = [] }
    Assert.Equal("00:15:00", timeOf Profiles.slurmOneCore (array [ run "a" [] 10.0 ]))
    Assert.Equal("02:00:00", timeOf Profiles.slurmOneCore (array [ run "a" [] 10.0; run "b" [] 1800.0 ]))
    Assert.Equal("3:00:00", timeOf { Profiles.slurmOneCore with Time = Some "3:00:00" } (array [ run "a" [] 1e6 ]))
    let tricky = "it's \"a\" $HOME `x` \\ end"
    let psi = ProcessStartInfo("bash", RedirectStandardOutput = true)
    psi.ArgumentList.Add "-c"
    psi.ArgumentList.Add("printf %s " + quote tricky)
    use p = Process.Start psi
    let out = p.StandardOutput.ReadToEnd()
    p.WaitForExit()
    Assert.Equal(tricky, out)

[<Fact>]
let ``the sbatch scripts are the expected ones`` () =
    let settings : Profiles.SlurmSettings =
        { Partition = Some "gpu"; Account = Some "lab"; Time = None; MemoryGb = 2.5; CpusPerTask = 4; GpusPerTask = 1
          Options = [ "--qos=long" ] }
    let command =
        { Program = [ "/opt/dotnet/dotnet"; "/shared/repro/repro.dll" ]
          Arguments = [ "sweep"; "--profile"; "smoke"; "--only"; "rand 100% S1 +ST seed"; "--results"; "/shared/results" ]
          WorkingDirectory = "/shared/work"
          Environment = [ "REPRO_CODE_VERSION", "abc123"; "REPRO_PLAIN_PROGRESS", "1" ] }
    let arrays = SlurmJobs.arrays [ run "t0" [] 600.0; run "t1" [] 1200.0; run "p0" [ "t1" ] 30.0 ] Map.empty
    let scripts = arrays |> List.map (fun a -> script settings "repro-smoke" "/shared/results/slurm/logs" command a (dependencyOf (fun n -> sprintf "%d" (700 + n)) a))
    let expectedFirst =
        "#!/bin/bash\n\
         #SBATCH --job-name=repro-smoke\n\
         #SBATCH --array=0-1\n\
         #SBATCH --output=/shared/results/slurm/logs/%A_%a.log\n\
         #SBATCH --chdir=/shared/work\n\
         #SBATCH --cpus-per-task=4\n\
         #SBATCH --mem=2560M\n\
         #SBATCH --time=01:20:00\n\
         #SBATCH --partition=gpu\n\
         #SBATCH --account=lab\n\
         #SBATCH --gres=gpu:1\n\
         #SBATCH --qos=long\n\
         # Task i runs the run of hash runs[i]:\n\
         #   0  t0  label of t0\n\
         #   1  t1  label of t1\n\
         set -euo pipefail\n\
         runs=(t0 t1)\n\
         export REPRO_CODE_VERSION='abc123'\n\
         export REPRO_PLAIN_PROGRESS='1'\n\
         exec '/opt/dotnet/dotnet' '/shared/repro/repro.dll' 'sweep' '--profile' 'smoke' '--only' 'rand 100% S1 +ST seed' '--results' '/shared/results' '--threads' '4' '--slurm-task' \"${runs[$SLURM_ARRAY_TASK_ID]}\"\n"
    let expectedSecond =
        "#!/bin/bash\n\
         #SBATCH --job-name=repro-smoke\n\
         #SBATCH --array=0-0\n\
         #SBATCH --output=/shared/results/slurm/logs/%A_%a.log\n\
         #SBATCH --chdir=/shared/work\n\
         #SBATCH --cpus-per-task=4\n\
         #SBATCH --mem=2560M\n\
         #SBATCH --time=00:15:00\n\
         #SBATCH --partition=gpu\n\
         #SBATCH --account=lab\n\
         #SBATCH --gres=gpu:1\n\
         #SBATCH --dependency=afterok:701_1\n\
         #SBATCH --kill-on-invalid-dep=yes\n\
         #SBATCH --qos=long\n\
         # Task i runs the run of hash runs[i]:\n\
         #   0  p0  label of p0\n\
         set -euo pipefail\n\
         runs=(p0)\n\
         export REPRO_CODE_VERSION='abc123'\n\
         export REPRO_PLAIN_PROGRESS='1'\n\
         exec '/opt/dotnet/dotnet' '/shared/repro/repro.dll' 'sweep' '--profile' 'smoke' '--only' 'rand 100% S1 +ST seed' '--results' '/shared/results' '--threads' '4' '--slurm-task' \"${runs[$SLURM_ARRAY_TASK_ID]}\"\n"
    Assert.Equal<string list>([ expectedFirst; expectedSecond ], scripts)
    // bash reads each script as valid syntax.
    for text in scripts do
        let file = Path.Combine(TestPaths.tempDir (), "job.sbatch")
        File.WriteAllText(file, text)
        let code, _, err = CliTests.runProcess "bash" [ "-n"; file ]
        Assert.True((code = 0), err)

/// The smoke selection swept through Slurm in these tests: a teacher, its pseudo labels, its student (three levels
/// of prerequisites).
let private selection = "rand 100% S1 +ST seed"

let private smokeArgs (data: string) (results: string) =
    [ "--profile"; "smoke"; "--results"; results; "--data-cache"; data; "--paper-tables"; TestPaths.paperTables; "--only"; selection ]

[<Fact>]
let ``sweep --backend slurm --dry-run prints the plan's scripts and writes nothing`` () =
    let root = TestPaths.tempDir ()
    let results = Path.Combine(root, "results")
    let code, out, err = CliTests.runRepro ([ "sweep"; "--backend"; "slurm"; "--dry-run"; "--partition"; "debug"; "--time"; "0:30:00" ] @ smokeArgs (Path.Combine(root, "data")) results)
    Assert.True((code = 0), err)
    Assert.Contains("3 runs to submit in 3 arrays", err)
    Assert.Contains("#SBATCH --partition=debug", out)
    Assert.Contains("#SBATCH --time=0:30:00", out)
    Assert.Contains("#SBATCH --dependency=afterok:<job of array 1>_0:<job of array 2>_0", out)
    Assert.Contains("'--slurm-task' \"${runs[$SLURM_ARRAY_TASK_ID]}\"", out)
    Assert.False(Directory.Exists results, "a dry run created the results folder")
    // Flags of the Slurm backend are refused on the local one, naming them; a malformed time limit is refused too.
    let code2, _, err2 = CliTests.runRepro ([ "sweep"; "--dry-run" ] @ smokeArgs (Path.Combine(root, "data")) results)
    Assert.Equal(2, code2)
    Assert.Contains("--dry-run only applies with --backend slurm", err2)
    let code3, _, err3 = CliTests.runRepro ([ "sweep"; "--backend"; "slurm"; "--dry-run"; "--time"; "two hours" ] @ smokeArgs (Path.Combine(root, "data")) results)
    Assert.Equal(2, code3)
    Assert.Contains("--time two hours: not a Slurm time limit", err3)

/// A single-node Slurm cluster on loopback for the tests that need one (eng/slurm/local-cluster.sh): started once,
/// stopped at the end. `Unavailable` says why where it cannot be had (not root, no apt-get, the daemons do not start).
type SlurmCluster() =
    let dir = TestPaths.tempDir ()
    let script = Path.Combine(TestPaths.repoRoot, "eng", "slurm", "local-cluster.sh")
    let code, _, err = CliTests.runProcess "bash" [ script; "start"; dir ]
    let conf = Path.Combine(dir, "slurm.conf")
    member _.Unavailable = if code = 0 then None else Some(sprintf "no Slurm cluster here (local-cluster.sh exit %d): %s" code (err.Trim()))
    member _.Conf = conf
    interface IDisposable with
        member _.Dispose() = CliTests.runProcess "bash" [ script; "stop"; dir ] |> ignore

/// Skips where Slurm cannot be had, except where REPRO_REQUIRE_SLURM=1 (CI on this project's machines): a skip there
/// would hide a broken backend, so it fails.
let private requireCluster (cluster: SlurmCluster) =
    match cluster.Unavailable with
    | Some why when Environment.GetEnvironmentVariable "REPRO_REQUIRE_SLURM" = "1" -> failwithf "REPRO_REQUIRE_SLURM=1 but %s" why
    | Some why -> Skip.If(true, why)
    | None -> ()

type SlurmClusterTests(cluster: SlurmCluster) =
    let slurm = [ "SLURM_CONF", cluster.Conf ]
    let repro args = CliTests.runReproWith slurm args
    let tool name args =
        let psi = ProcessStartInfo(name, RedirectStandardOutput = true, RedirectStandardError = true)
        for a in args do psi.ArgumentList.Add a
        psi.Environment.["SLURM_CONF"] <- cluster.Conf
        use p = Process.Start psi
        let out = p.StandardOutput.ReadToEnd()
        p.WaitForExit()
        out
    let queued () = tool "squeue" [ "--noheader"; "--array"; "--format=%F_%K" ] |> fun o -> o.Split('\n', StringSplitOptions.RemoveEmptyEntries)
    let metricsOf (results: string) =
        (RunStore.RunStore results).All() |> List.map (fun r -> r.Hash, r.Status, r.Metrics |> Map.filter (fun k _ -> not (k.Contains "seconds")))

    interface IClassFixture<SlurmCluster>

    [<SkippableFact>]
    member _.``a sweep through Slurm gives the local records bit for bit, survives a killed sweep and task, and never queues a run twice`` () =
        requireCluster cluster
        let root = TestPaths.tempDir ()
        let data = Path.Combine(root, "data")
        let results = Path.Combine(root, "slurm")
        let args = smokeArgs data results
        // The local reference at the threads a task gets (--cpus-per-task 1 on the miniature).
        let local = Path.Combine(root, "local")
        let codeL, _, errL = repro ([ "sweep"; "--threads"; "1" ] @ smokeArgs data local)
        Assert.True((codeL = 0), errL)

        // Submit and follow; kill the follower once the teacher's task is training.
        let psi = ProcessStartInfo("dotnet", RedirectStandardOutput = true, RedirectStandardError = true)
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "repro.dll"))
        for a in [ "sweep"; "--backend"; "slurm"; "--poll-seconds"; "1" ] @ args do psi.ArgumentList.Add a
        psi.Environment.["SLURM_CONF"] <- cluster.Conf
        let follower = Process.Start psi
        follower.OutputDataReceived.Add ignore
        follower.ErrorDataReceived.Add ignore
        follower.BeginOutputReadLine()
        follower.BeginErrorReadLine()
        let submissions () = SlurmQueue.load results
        let teacherLog () = submissions () |> List.tryHead |> Option.map (fun s -> s.Log)
        let training () = teacherLog () |> Option.exists (fun l -> File.Exists l && File.ReadAllText(l).Contains "@progress")
        let deadline = DateTime.UtcNow.AddMinutes 3.0
        while not (training ()) && DateTime.UtcNow < deadline do Thread.Sleep 200
        Assert.True(training (), "the teacher's task never started training")
        follower.Kill(entireProcessTree = true)
        follower.WaitForExit()
        let first = submissions ()
        Assert.Equal(3, first.Length)

        // Cancel the teacher's task mid-run: Slurm cancels what waits for it, and the next sweep records all three
        // as failed, the teacher with its log's tail, the others naming their failed prerequisite.
        tool "scancel" [ first.[0].TaskId ] |> ignore
        let gone = DateTime.UtcNow.AddMinutes 1.0
        while (queued ()) |> Array.exists (fun id -> first |> List.exists (fun s -> s.TaskId = id)) && DateTime.UtcNow < gone do Thread.Sleep 200
        let codeF, _, errF = repro ([ "sweep"; "--backend"; "slurm"; "--poll-seconds"; "1" ] @ args)
        Assert.Equal(1, codeF)
        Assert.Contains("3 already recorded (3 of them failed: rerun with --retry-failed)", errF)
        let store = RunStore.RunStore results
        let teacher = store.TryRead first.[0].Hash |> Option.get
        Assert.Equal(RunStore.Failed, teacher.Status)
        Assert.Contains(sprintf "Slurm task %s ended without writing a record" first.[0].TaskId, defaultArg teacher.Error "")
        Assert.Contains("CANCELLED", defaultArg teacher.Error "")
        Assert.Contains("@progress", File.ReadAllText(Path.Combine(store.RunDir first.[0].Hash, "error.txt")))
        Assert.Contains("prerequisite", defaultArg (store.TryRead first.[2].Hash |> Option.get).Error "")

        // Retried (submitted without following): while the student waits for its teacher, `repro plan` names its
        // task, submitting again queues nothing twice, and a local sweep is refused.
        let codeR, _, errR = repro ([ "sweep"; "--backend"; "slurm"; "--retry-failed"; "--no-wait" ] @ args)
        Assert.True((codeR = 0), errR)
        Assert.Contains("3 runs to submit in 3 arrays", errR)
        let retried = submissions () |> List.skip 3
        let codeP, outP, errP = repro ("plan" :: args)
        Assert.True((codeP = 0), errP)
        Assert.Contains(sprintf "under Slurm (task %s)" retried.[2].TaskId, outP)
        let codeN, _, errN = repro ([ "sweep"; "--backend"; "slurm"; "--retry-failed"; "--no-wait" ] @ args)
        Assert.True((codeN = 0), errN)
        Assert.Contains("0 runs to submit in 0 arrays", errN)
        Assert.Equal(6, (submissions ()).Length)
        let codeLocal, _, errLocal = repro ("sweep" :: args)
        Assert.Equal(1, codeLocal)
        Assert.Contains("queued or running under Slurm", errLocal)

        // Followed to the end: one record per run, each run submitted twice in all, the local metrics bit for bit.
        let codeW, _, errW = repro ([ "sweep"; "--backend"; "slurm"; "--poll-seconds"; "1" ] @ args)
        Assert.True((codeW = 0), errW)
        Assert.Contains(" 0 failed", errW)
        let all = store.All()
        Assert.Equal(3, all.Length)
        Assert.All(all, fun r -> Assert.Equal(RunStore.Succeeded, r.Status))
        Assert.Equal(6, (submissions ()).Length)
        Assert.All(submissions () |> List.countBy (fun s -> s.Hash), fun (_, n) -> Assert.Equal(2, n))
        Assert.Empty(Directory.GetFiles(results, "*.tmp", SearchOption.AllDirectories))
        Assert.Equal<(string * RunStore.RunStatus * Map<string, float>) list>(metricsOf local, metricsOf results)
        // Nothing left to do, and a task for a recorded run leaves it alone.
        let codeD, _, errD = repro ([ "sweep"; "--backend"; "slurm"; "--poll-seconds"; "1" ] @ args)
        Assert.True((codeD = 0), errD)
        Assert.Contains("0 runs to submit in 0 arrays, 0 queued already, 3 already recorded", errD)
        let before = File.ReadAllText(store.RecordPath first.[0].Hash)
        let codeT, _, errT = repro ([ "sweep"; "--threads"; "1"; "--slurm-task"; first.[0].Hash ] @ args)
        Assert.True((codeT = 0), errT)
        Assert.Contains("is recorded already", errT)
        Assert.Equal(before, File.ReadAllText(store.RecordPath first.[0].Hash))
