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
