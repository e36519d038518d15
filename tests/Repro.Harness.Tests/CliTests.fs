module Repro.Harness.Tests.CliTests

open System
open System.Diagnostics
open System.IO
open Xunit

/// Runs the built `repro` program (copied beside the tests) as a user would, with extra environment variables,
/// capturing output and exit code.
let runReproWith (environment: (string * string) list) (args: string list) =
    let dll = Path.Combine(AppContext.BaseDirectory, "repro.dll")
    let psi = ProcessStartInfo("dotnet", RedirectStandardOutput = true, RedirectStandardError = true)
    psi.ArgumentList.Add dll
    for a in args do psi.ArgumentList.Add a
    for k, v in environment do psi.Environment.[k] <- v
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
                        [ "--init"; "foo" ], "--init: unknown initialization 'foo'"
                        [ "--augment"; "S9" ], "--augment: unknown augmentation level 'S9'"
                        [ "--no-loss-norm" ], "--no-loss-norm only applies with --self-training"
                        [ "--steps"; "0" ], "--steps must be >= 1, got 0"
                        [ "--backbone"; "vgg" ], "no stand-in for the paper's backbone vgg"
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
    let line = planOut.Split('\n') |> Array.find (fun l -> l.Contains "det efficientnet-b7 rand 100% S1 seed 0")
    let hash = line.Trim().Split(' ').[0]
    // The grid's run is the one train made: `plan` finds it done.
    Assert.Contains("done", line)
    Assert.Contains(sprintf "run %s" hash, out)
    let record = (Repro.Harness.RunStore.RunStore results).TryRead(hash).Value
    Assert.Contains(sprintf "AP                       %g" record.Metrics.["AP"], out)
