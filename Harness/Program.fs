module Repro.Harness.Program

open System
open Argu
open Repro.Harness.Cli

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
    let parser = ArgumentParser.Create<ReproArgs>(programName = "repro", errorHandler = ProcessExiter(colorizer = function ErrorCode.HelpText -> None | _ -> Some ConsoleColor.Red))
    let results = parser.ParseCommandLine(argv)
    try
        match results.GetSubCommand() with
        | Env a -> env a
        | Verbose -> parser.PrintUsage() |> eprintfn "%s"; ExitCode.Usage
    with
    | :? Repro.Core.Native.TorchNativeLoadException as e -> eprintfn "error: %s" e.Message; ExitCode.Failed
