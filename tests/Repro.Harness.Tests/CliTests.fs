module Repro.Harness.Tests.CliTests

open System
open System.Diagnostics
open System.IO
open Xunit

/// Runs the built `repro` program (copied beside the tests) as a user would, with extra environment variables,
/// capturing output and exit code.
/// Runs a program to its end; (exit code, stdout, stderr).
let runProcess (exe: string) (args: string list) =
    let psi = ProcessStartInfo(exe, RedirectStandardOutput = true, RedirectStandardError = true)
    for a in args do psi.ArgumentList.Add a
    use p = Process.Start psi
    let out = p.StandardOutput.ReadToEndAsync()
    let err = p.StandardError.ReadToEndAsync()
    p.WaitForExit()
    p.ExitCode, out.Result, err.Result

let runReproWith (environment: (string * string) list) (args: string list) =
    let dll = Path.Combine(AppContext.BaseDirectory, "repro.dll")
    let psi = ProcessStartInfo("dotnet", RedirectStandardOutput = true, RedirectStandardError = true)
    psi.ArgumentList.Add dll
    for a in args do psi.ArgumentList.Add a
    // A null value removes the variable from the child's environment.
    for k, v in environment do
        if isNull v then psi.Environment.Remove k |> ignore else psi.Environment.[k] <- v
    use p = Process.Start psi
    let out = p.StandardOutput.ReadToEndAsync()
    let err = p.StandardError.ReadToEndAsync()
    p.WaitForExit()
    p.ExitCode, out.Result, err.Result

/// Runs the built `repro` program as a user would, capturing output and exit code.
let runRepro (args: string list) = runReproWith [] args

[<Fact>]
let ``unknown argument prints usage and exits 2`` () =
    let code, _, err = runRepro [ "--no-such-flag" ]
    Assert.Equal(2, code)
    Assert.Contains("unrecognized argument: '--no-such-flag'", err)
    Assert.Contains("USAGE: repro", err)

[<Fact>]
let ``env reports the torch native library and exits 0`` () =
    let code, out, _ = runRepro [ "env"; "--json" ]
    Assert.Equal(0, code)
    use doc = Text.Json.JsonDocument.Parse out
    Assert.StartsWith("TorchSharp native:", doc.RootElement.GetProperty("torchsharp-native").GetString())

let private writeEvalFixture () =
    let dir = TestPaths.tempDir ()
    let gt = Path.Combine(dir, "gt.json")
    File.WriteAllText(gt, """{"images":[{"id":1,"file_name":"a.png","width":100,"height":100}],"categories":[{"id":1,"name":"x"}],
        "annotations":[{"id":1,"image_id":1,"category_id":1,"bbox":[10,10,20,20],"area":400,"iscrowd":0},
                       {"id":2,"image_id":1,"category_id":1,"bbox":[50,50,20,20],"area":400,"iscrowd":0}]}""")
    dir, gt

[<Fact>]
let ``eval prints pycocotools' summary block`` () =
    let dir, gt = writeEvalFixture ()
    // One exact hit of two GTs: AP at every IoU = precision 1 up to recall 0.5, then 0 -> 51 of 101 recall points = 0.505.
    let dt = Path.Combine(dir, "dt.json")
    File.WriteAllText(dt, """[{"image_id":1,"category_id":1,"bbox":[10,10,20,20],"score":0.9}]""")
    let code, out, err = runRepro [ "eval"; "--gt"; gt; "--dt"; dt ]
    Assert.True((code = 0), err)
    Assert.Contains(" Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.505", out)
    Assert.Contains(" Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.500", out)

[<Fact>]
let ``eval rejects a results file naming an unknown image with exit 2`` () =
    let dir, gt = writeEvalFixture ()
    let dt = Path.Combine(dir, "bad.json")
    File.WriteAllText(dt, """[{"image_id":7,"category_id":1,"bbox":[10,10,20,20],"score":0.9}]""")
    let code, _, err = runRepro [ "eval"; "--gt"; gt; "--dt"; dt ]
    Assert.Equal(2, code)
    Assert.Contains("bad.json", err)
    Assert.Contains("image_id 7", err)

[<Fact>]
let ``train rejects bad coordinates with exit 2 naming the flag, and a cell the data cannot support with its reason`` () =
    let results = Path.Combine(TestPaths.tempDir (), "results")
    let common = [ "train"; "--profile"; "smoke"; "--results"; results ]
    for args, text in [ [ "--fraction"; "0" ], "--fraction must be in (0, 1], got 0"
                        [ "--init"; "foo" ], "'--init' must be followed by <rand|imagenet|imagenet++|simclr>, but was 'foo'"
                        [ "--augment"; "S9" ], "'--augment' must be followed by <s1|s2|s3|s4>, but was 'S9'"
                        [ "--no-loss-norm" ], "--no-loss-norm only applies with --self-training"
                        [ "--steps"; "0" ], "--steps must be >= 1, got 0"
                        [ "--backbone"; "vgg" ], "'--backbone' must be followed by <efficientnet-b7|resnet-50>, but was 'vgg'"
                        [ "--imagenet-root"; "/x" ], "--imagenet-root only applies to --profile paper" ] do
        let code, _, err = runRepro (common @ args)
        Assert.True((code = 2), sprintf "%A: exit %d, %s" args code err)
        Assert.Contains(text, err)
    // A cell the data cannot support is refused with the plan's reason (the paper profile's real data has no
    // unlabeled images here).
    let coco = Path.Combine(TestPaths.tempDir (), "coco")
    for d in [ "train2017"; "val2017"; "annotations" ] do Directory.CreateDirectory(Path.Combine(coco, d)) |> ignore
    let categories = """{"images":[],"annotations":[],"categories":[{"id":1,"name":"x"}]}"""
    File.WriteAllText(Path.Combine(coco, "annotations", "instances_train2017.json"), categories)
    File.WriteAllText(Path.Combine(coco, "annotations", "instances_val2017.json"), categories)
    let code, _, err = runRepro [ "train"; "--profile"; "paper"; "--coco-root"; coco; "--results"; results; "--self-training"; "--device"; "cpu" ]
    Assert.True((code = 1), err)
    Assert.Contains("cannot run: self-training needs unlabeled images", err)

[<Fact>]
let ``train of a grid cell's coordinates runs the grid's own run (same hash, same record)`` () =
    let root = TestPaths.tempDir ()
    let results = Path.Combine(root, "results")
    let cache = Path.Combine(root, "data")
    let code, out, err =
        runRepro [ "train"; "--profile"; "smoke"; "--results"; results; "--data-cache"; cache; "--augment"; "S1"; "--seed"; "0" ]
    Assert.True((code = 0), err)
    let _, planOut, _ =
        runRepro [ "plan"; "--profile"; "smoke"; "--results"; results; "--data-cache"; cache; "--paper-tables"; TestPaths.paperTables
                   "--only"; "det efficientnet-b7 rand 100% S1 seed 0" ]
    let line = planOut.Split('\n') |> Array.find (fun l -> l.Contains "det resnet-mini (for efficientnet-b7) rand 100% S1 seed 0")
    let hash = line.Trim().Split(' ').[0]
    // The grid's run is the one train made: `plan` finds it done.
    Assert.Contains("done", line)
    Assert.Contains(sprintf "run %s" hash, out)
    let record = (Repro.Harness.RunStore.RunStore results).TryRead(hash).Value
    Assert.Contains(sprintf "AP                       %g" record.Metrics.["AP"], out)

[<Fact>]
let ``usage errors Argu finds exit 2 with the usage text: a missing argument or sub-subcommand`` () =
    for args, text, usage in [ [ "eval" ], "missing argument '--gt'", "--gt <annotations>"
                               [ "aug"; "show" ], "missing argument '--level'", "--level <s1|s2|s3|s4>"
                               [ "golden" ], "no valid subcommand has been specified", "USAGE: repro golden"
                               [ "data" ], "no valid subcommand has been specified", "USAGE: repro data" ] do
        let code, _, err = runRepro args
        Assert.True((code = 2), sprintf "%A: exit %d, %s" args code err)
        Assert.Contains(text, err)
        Assert.Contains(usage, err)
    let code, out, _ = runRepro [ "golden"; "--help" ]
    Assert.Equal(0, code)
    Assert.Contains("USAGE: repro golden", out)

[<Fact>]
let ``an option the command does not take is Argu's usage error, exit 2, whatever other commands take it`` () =
    for args, text in [ [ "tables"; "--workers"; "4"; "--retry-failed" ], "unrecognized argument: '--workers'"
                        [ "plan"; "--retry-failed" ], "unrecognized argument: '--retry-failed'"
                        [ "claims"; "--backend"; "slurm" ], "unrecognized argument: '--backend'"
                        [ "train"; "--paper-tables"; "x" ], "unrecognized argument: '--paper-tables'"
                        [ "golden"; "update"; "--only"; "x" ], "unrecognized argument: '--only'"
                        [ "golden"; "spread"; "--layer"; "exact" ], "unrecognized argument: '--layer'"
                        // The options the planning and training commands share are inherited; the others refuse them.
                        [ "env"; "--profile"; "smoke" ], "'--profile' does not apply to 'repro env'"
                        [ "data"; "generate"; "--threads"; "1" ], "'--threads' does not apply to 'repro data'" ] do
        let code, _, err = runRepro args
        Assert.True((code = 2), sprintf "%A: exit %d, %s" args code err)
        Assert.Contains(text, err)
        Assert.Contains("USAGE: repro ", err)
    // Shared options go before or after the command; the golden commands take golden's own after theirs.
    let tables = [ "--paper-tables"; TestPaths.paperTables ]
    for args in [ [ "--profile"; "smoke"; "plan" ] @ tables; [ "plan"; "-p"; "smoke"; "--threads"; "1" ] @ tables
                  [ "golden"; "check"; "--profile"; "smoke"; "--layer"; "exact"; "--golden-root"; "golden" ] @ tables ] do
        let code, _, err = runRepro (args @ [ "--results"; Path.Combine(TestPaths.tempDir (), "results"); "--help" ])
        Assert.True((code = 0), sprintf "%A: exit %d, %s" args code err)

/// The smoke profile's arguments over a fresh data cache and results folder under `root`.
let private smoke (root: string) =
    [ "--profile"; "smoke"; "--results"; Path.Combine(root, "results"); "--data-cache"; Path.Combine(root, "data") ]

[<Fact>]
let ``--only matching nothing exits 2 naming the text, for plan, sweep, reproduce and tables`` () =
    let root = TestPaths.tempDir ()
    for command in [ "plan"; "sweep"; "reproduce"; "tables" ] do
        let code, _, err =
            runRepro ([ command ] @ smoke root @ [ "--paper-tables"; TestPaths.paperTables; "--only"; "rand 100% S1"; "--only"; "no such run" ])
        Assert.True((code = 2), sprintf "%s: exit %d, %s" command code err)
        Assert.Contains("--only \"no such run\": nothing matches", err)
    // Nothing was swept or written.
    Assert.False(Directory.Exists(Path.Combine(root, "results", "runs")))
    Assert.False(Directory.Exists(Path.Combine(root, "results", "tables")))

[<Fact>]
let ``sweep, reproduce and tables refuse a results path that is a file or lies under one, exit 2 naming it; plan a data cache likewise`` () =
    let root = TestPaths.tempDir ()
    let file = Path.Combine(root, "a-file")
    File.WriteAllText(file, "")
    for command, results in [ "sweep", file; "sweep", Path.Combine(file, "sub"); "reproduce", file; "tables", Path.Combine(file, "sub") ] do
        let code, _, err =
            runRepro [ command; "--profile"; "smoke"; "--results"; results; "--data-cache"; Path.Combine(root, "data")
                       "--paper-tables"; TestPaths.paperTables; "--only"; "rand 100% S1 seed" ]
        Assert.True((code = 2), sprintf "%s %s: exit %d, %s" command results code err)
        Assert.Contains(sprintf "--results %s: not a writable folder" results, err)
        Assert.DoesNotContain("locked by another sweep", err)
        Assert.DoesNotContain("Unhandled exception", err)
    // A data cache where the miniature cannot be generated is named likewise.
    let code, _, err = runRepro [ "plan"; "--profile"; "smoke"; "--results"; Path.Combine(root, "results"); "--data-cache"; file ]
    Assert.True((code = 2), err)
    Assert.Contains(sprintf "--data-cache %s: not a writable folder" file, err)

[<Fact>]
let ``train refuses an unknown device, and CUDA this process lacks, with exit 2 before recording anything`` () =
    let root = TestPaths.tempDir ()
    let code, _, err = runRepro ([ "train" ] @ smoke root @ [ "--device"; "tpu" ])
    Assert.Equal(2, code)
    Assert.Contains("--device tpu: unknown device (accepted: cpu | cuda | cuda:N)", err)
    Repro.Core.Native.TorchNativeLoader.EnsureLoaded() |> ignore
    if not (TorchSharp.torch.cuda.is_available ()) then
        let code, _, err = runRepro ([ "train" ] @ smoke root @ [ "--device"; "cuda" ])
        Assert.Equal(2, code)
        Assert.Contains("--device cuda: CUDA is not available to this process", err)
    Assert.False(Directory.Exists(Path.Combine(root, "results", "runs")))

/// The hash of the smoke grid's Rand Init, 100%, S1, seed 0 detection run, from `plan`.
let private smokeS1Hash (root: string) =
    let code, out, err = runRepro ([ "plan" ] @ smoke root @ [ "--paper-tables"; TestPaths.paperTables; "--only"; "det efficientnet-b7 rand 100% S1 seed 0" ])
    Assert.True((code = 0), err)
    let line = out.Split('\n') |> Array.find (fun l -> l.Contains "det resnet-mini (for efficientnet-b7) rand 100% S1 seed 0")
    line.Trim().Split(' ').[0]

[<Fact>]
let ``train reports its cell's recorded failure without rerunning it; --retry-failed reruns it`` () =
    let root = TestPaths.tempDir ()
    let hash = smokeS1Hash root
    let store = Repro.Harness.RunStore.RunStore(Path.Combine(root, "results"))
    store.Write(RunStoreTests.record hash Repro.Harness.RunStore.Failed)
    let train = [ "train" ] @ smoke root @ [ "--augment"; "S1"; "--threads"; "1" ]
    let code, _, err = runRepro train
    Assert.Equal(1, code)
    Assert.Contains("its run failed earlier (2026-01-01 00:01 UTC): NaN loss at step 3; rerun with --retry-failed", err)
    Assert.Equal(Repro.Harness.RunStore.Failed, store.TryRead(hash).Value.Status)
    let code, out, err = runRepro (train @ [ "--retry-failed" ])
    Assert.True((code = 0), err)
    Assert.Equal(Repro.Harness.RunStore.Succeeded, store.TryRead(hash).Value.Status)
    Assert.Contains("AP  ", out)

[<Fact>]
let ``a record copied into another run's folder is refused by the commands, exit 2 naming the file`` () =
    let root = TestPaths.tempDir ()
    let hash = smokeS1Hash root
    let store = Repro.Harness.RunStore.RunStore(Path.Combine(root, "results"))
    // Another run's record (its own Hash inside) put into this run's folder.
    Directory.CreateDirectory(store.RunDir hash) |> ignore
    File.WriteAllText(store.RecordPath hash, Repro.Harness.CanonicalJson.pretty (RunStoreTests.record "0123456789abcdef" Repro.Harness.RunStore.Succeeded))
    let code, _, err = runRepro ([ "tables" ] @ smoke root @ [ "--paper-tables"; TestPaths.paperTables ])
    Assert.True((code = 2), err)
    Assert.Contains(sprintf "%s: the record of run 0123456789abcdef is in the folder of run %s" (store.RecordPath hash) hash, err)

[<Fact>]
let ``train refuses cached miniature data edited after generation, exit 2 naming the folder`` () =
    let root = TestPaths.tempDir ()
    let cache = Path.Combine(root, "data")
    let code, out, err = runRepro [ "data"; "generate"; "--preset"; "smoke"; "--cache"; cache ]
    Assert.True((code = 0), err)
    let folder = out.Trim()
    // Move one box by a pixel: the manifest (and so the run's name) still says the old data.
    let annotations = Path.Combine(folder, "detection", "annotations", "instances_train2017.json")
    let doc = Text.Json.Nodes.JsonNode.Parse(File.ReadAllText annotations)
    let box = doc.["annotations"].[0].["bbox"]
    box.[0] <- Text.Json.Nodes.JsonValue.Create(box.[0].GetValue<float>() + 1.0)
    File.WriteAllText(annotations, doc.ToJsonString())
    let code, _, err = runRepro ([ "train" ] @ smoke root @ [ "--augment"; "S1"; "--threads"; "1" ])
    Assert.True((code = 2), err)
    Assert.Contains(sprintf "%s: the cached miniature's files do not match its manifest" folder, err)
    Assert.Contains("Delete this folder", err)
    Assert.False(Directory.Exists(Path.Combine(root, "results", "runs")))

[<Fact>]
let ``libtorch's OpenMP threads wait passively unless the user chose a policy`` () =
    // Spinning idle threads make two processes on shared cores slow each other several times over (issue: sharing).
    let code, out, err = runReproWith [ "OMP_WAIT_POLICY", null ] [ "env" ]
    Assert.True((code = 0), err)
    Assert.Matches(@"omp-wait-policy\s+PASSIVE", out)
    Assert.Contains("OMP_WAIT_POLICY=PASSIVE", out)
    let code2, out2, err2 = runReproWith [ "OMP_WAIT_POLICY", "ACTIVE" ] [ "env" ]
    Assert.True((code2 = 0), err2)
    Assert.Matches(@"omp-wait-policy\s+ACTIVE", out2)

[<Fact>]
let ``threads never exceed the cores the process may use, affinity included`` () =
    let root = TestPaths.tempDir ()
    let args = [ "plan"; "--profile"; "smoke"; "--results"; Path.Combine(root, "results"); "--data-cache"; Path.Combine(root, "data")
                 "--paper-tables"; TestPaths.paperTables; "--only"; "rand 100% S1 seed" ]
    let code, _, err = runRepro (args @ [ "--threads"; "64" ])
    Assert.True((code = 0), err)
    Assert.Contains(sprintf "--threads: 64 threads capped at %d, the cores available to this process" Environment.ProcessorCount, err)
    // Pinned to one core, the smoke profile's 2 threads become 1.
    let code1, _, err1 = runProcess "taskset" ([ "-c"; "0"; "dotnet"; Path.Combine(AppContext.BaseDirectory, "repro.dll") ] @ args)
    Assert.True((code1 = 0), err1)
    Assert.Contains("profile smoke: 2 threads capped at 1, the cores available to this process", err1)

[<Fact>]
let ``--calibrate is refused, exit 2, by a profile without a schedule table and by reproduce, tables and claims`` () =
    let root = TestPaths.tempDir ()
    for command in [ "plan"; "sweep" ] do
        let code, _, err = runRepro ([ command; "--calibrate" ] @ smoke root @ [ "--paper-tables"; TestPaths.paperTables ])
        Assert.True((code = 2), sprintf "%s: exit %d, %s" command code err)
        Assert.Contains("--calibrate: profile smoke has no schedule table to calibrate", err)
    let code, _, err = runRepro ([ "reproduce"; "--calibrate" ] @ smoke root @ [ "--paper-tables"; TestPaths.paperTables ])
    Assert.True((code = 2), sprintf "reproduce: exit %d, %s" code err)
    Assert.Contains("--calibrate applies to `repro sweep`", err)
    for command in [ "tables"; "claims" ] do
        let code, _, err = runRepro ([ command; "--calibrate" ] @ smoke root @ [ "--paper-tables"; TestPaths.paperTables ])
        Assert.True((code = 2), sprintf "%s: exit %d, %s" command code err)
        Assert.Contains(sprintf "--calibrate applies to `repro plan` and `repro sweep`, not to `repro %s`" command, err)
    Assert.False(Directory.Exists(Path.Combine(root, "results", "runs")))
