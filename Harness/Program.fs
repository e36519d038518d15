module Repro.Harness.Program

open System
open System.IO
open Argu
open Repro.Harness.Cli

/// Where a command reads and writes, from the shared results arguments.
type Locations =
    { Profile: string
      Results: string
      PaperTables: string
      GoldenRoot: string }

let private locations (a: ParseResults<ResultsArgs>) =
    let profile = a.GetResult(Profile, defaultValue = "default")
    { Profile = profile
      Results = a.GetResult(Results, defaultValue = Path.Combine("results", profile))
      PaperTables = a.GetResult(Paper_Tables, defaultValue = "paper-tables")
      GoldenRoot = a.GetResult(Golden_Root, defaultValue = "golden") }

let private tables (a: ParseResults<ResultsArgs>) =
    let loc = locations a
    let rendered = Report.compute loc.PaperTables (RunStore.RunStore loc.Results)
    let path = Report.write loc.Profile loc.Results rendered
    for t in rendered.Tables do printfn "%s" (Tables.toMarkdown loc.Profile t)
    printfn "%s" (Claims.toMarkdown Report.level rendered.Claims)
    printfn "wrote %s" path
    ExitCode.Ok

let private claims (a: ParseResults<ResultsArgs>) =
    let loc = locations a
    let rendered = Report.compute loc.PaperTables (RunStore.RunStore loc.Results)
    printfn "%s" (Claims.toMarkdown Report.level rendered.Claims)
    ExitCode.Ok

let private golden (a: ParseResults<GoldenArgs>) =
    match a.GetSubCommand() with
    | Check r ->
        let loc = locations r
        let rendered = Report.compute loc.PaperTables (RunStore.RunStore loc.Results)
        let fresh = Golden.snapshotOf loc.Profile rendered.Tables
        let snapshot = Golden.readSnapshot (Golden.snapshotPath loc.GoldenRoot loc.Profile)
        let tolerances = Golden.readTolerances (Golden.tolerancePath loc.GoldenRoot loc.Profile)
        let comparison = Golden.compare tolerances snapshot fresh
        printf "%s" (Golden.diffReport comparison)
        if Golden.passed comparison then printfn "golden check passed (%s)" loc.Profile; ExitCode.Ok
        else eprintfn "golden check FAILED (%s): results moved beyond tolerance" loc.Profile; ExitCode.Failed
    | Update r ->
        let loc = locations r
        let rendered = Report.compute loc.PaperTables (RunStore.RunStore loc.Results)
        let path = Golden.snapshotPath loc.GoldenRoot loc.Profile
        Golden.writeSnapshot path (Golden.snapshotOf loc.Profile rendered.Tables)
        printfn "wrote %s" path
        ExitCode.Ok

let private env (args: ParseResults<EnvArgs>) =
    Repro.Core.Native.TorchNativeLoader.EnsureLoaded() |> ignore
    let report =
        [ "repro", (Reflection.Assembly.GetExecutingAssembly().GetName().Version |> string)
          "dotnet", Environment.Version.ToString()
          "os", Runtime.InteropServices.RuntimeInformation.OSDescription
          "torchsharp-native", Repro.Core.Native.TorchNativeLoader.Report
          "torch-threads", string (TorchSharp.torch.get_num_threads ())
          "cuda", string (TorchSharp.torch.cuda.is_available ()) ]
    if args.Contains Json then
        report |> dict |> Text.Json.JsonSerializer.Serialize |> printfn "%s"
    else
        for k, v in report do printfn "%-18s %s" k v
    ExitCode.Ok

[<EntryPoint>]
let main argv =
    let parser =
        ArgumentParser.Create<ReproArgs>(
            programName = "repro",
            errorHandler = ProcessExiter(colorizer = function ErrorCode.HelpText -> None | _ -> Some ConsoleColor.Red))
    let results = parser.ParseCommandLine(argv)
    try
        match results.GetSubCommand() with
        | Tables a -> tables a
        | Claims a -> claims a
        | Golden a -> golden a
        | Env a -> env a
    with
    | :? Repro.Core.Native.TorchNativeLoadException as e -> eprintfn "error: %s" e.Message; ExitCode.Failed
    | :? FileNotFoundException as e -> eprintfn "error: %s" e.Message; ExitCode.Usage
    | :? DirectoryNotFoundException as e -> eprintfn "error: %s" e.Message; ExitCode.Usage
    | :? InvalidDataException as e -> eprintfn "error: %s" e.Message; ExitCode.Usage
