module Repro.Harness.Tests.CliTests

open System
open System.Diagnostics
open System.IO
open Xunit

/// Runs the built `repro` program (copied beside the tests) as a user would, capturing output and exit code.
let runRepro (args: string list) =
    let dll = Path.Combine(AppContext.BaseDirectory, "repro.dll")
    let psi = ProcessStartInfo("dotnet", RedirectStandardOutput = true, RedirectStandardError = true)
    psi.ArgumentList.Add dll
    for a in args do psi.ArgumentList.Add a
    use p = Process.Start psi
    let out = p.StandardOutput.ReadToEndAsync()
    let err = p.StandardError.ReadToEndAsync()
    p.WaitForExit()
    p.ExitCode, out.Result, err.Result

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
