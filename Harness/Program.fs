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

let private miniatureConfig (preset: string) =
    match preset with
    | "smoke" -> Repro.Core.Data.Miniature.MiniatureConfig.Smoke
    | "default" -> Repro.Core.Data.Miniature.MiniatureConfig.Default
    | other -> raise (InvalidDataException(sprintf "unknown miniature preset '%s' (smoke | default)" other))

let private dataCacheDefault = Path.Combine("results", "data")

/// Generates (or finds cached) the miniature, with a progress line per part.
let private generateMiniature (config: Repro.Core.Data.Miniature.MiniatureConfig) (cache: string) =
    let last = Collections.Generic.Dictionary<string, int>()
    let progress =
        { new IProgress<Repro.Core.Data.Miniature.MiniatureProgress> with
            member _.Report p =
                lock last (fun () ->
                    let pct = if p.Total = 0 then 100 else 100 * p.Done / p.Total
                    let prev = match last.TryGetValue p.Part with | true, v -> v | _ -> -1
                    if pct / 25 <> prev / 25 || p.Done = p.Total && prev <> 100 then
                        last.[p.Part] <- pct
                        eprintfn "  %-24s %3d%% (%d/%d)" p.Part pct p.Done p.Total) }
    Repro.Core.Data.Miniature.MiniatureGenerator.Generate(config, cache, progress)

let private data (a: ParseResults<DataArgs>) =
    match a.GetSubCommand() with
    | DataArgs.Generate g ->
        let config = miniatureConfig (g.GetResult(DataGenerateArgs.Preset, defaultValue = "default"))
        let config = match g.TryGetResult DataGenerateArgs.Seed with Some s -> config.WithSeed s | None -> config
        let sw = Diagnostics.Stopwatch.StartNew()
        let m = generateMiniature config (g.GetResult(DataGenerateArgs.Cache, defaultValue = dataCacheDefault))
        printfn "%s" m.Root
        eprintfn "miniature %s: %d files, content hash %s (%.1f s)" m.ConfigHash m.FileCount m.ContentHash sw.Elapsed.TotalSeconds
        ExitCode.Ok
    | DataArgs.Show s ->
        let m = generateMiniature (miniatureConfig (s.GetResult(DataShowArgs.Preset, defaultValue = "default")))
                                  (s.GetResult(DataShowArgs.Cache, defaultValue = dataCacheDefault))
        let part = s.GetResult(DataShowArgs.Part, defaultValue = "detection-train")
        if not (Repro.Core.Data.Miniature.MiniaturePreview.Parts |> Seq.contains part) then
            raise (InvalidDataException(sprintf "unknown part '%s' (%s)" part (String.Join(" | ", Repro.Core.Data.Miniature.MiniaturePreview.Parts))))
        let out = s.GetResult(DataShowArgs.Out, defaultValue = Path.Combine(dataCacheDefault, part + ".png"))
        Repro.Core.Data.Miniature.MiniaturePreview.Save(m, part, out, s.GetResult(DataShowArgs.Count, defaultValue = 32))
        printfn "wrote %s" out
        ExitCode.Ok

let private aug (a: ParseResults<AugArgs>) =
    match a.GetSubCommand() with
    | AugArgs.Show s ->
        let level = Domain.AugmentLevel.Parse(s.GetResult AugShowArgs.Level)
        let m = generateMiniature (miniatureConfig (s.GetResult(AugShowArgs.Preset, defaultValue = "smoke")))
                                  (s.GetResult(AugShowArgs.Cache, defaultValue = dataCacheDefault))
        let ds = Repro.Core.Data.Coco.CocoDetectionDataset.Open(m.DetectionTrainImages, m.DetectionTrainAnnotations)
        let samples = [| for i in 0 .. min (s.GetResult(AugShowArgs.Count, defaultValue = 6)) ds.Count - 1 -> ds.Get i |]
        let out = s.GetResult(AugShowArgs.Out, defaultValue = Path.Combine("results", sprintf "aug-%s.png" level.Id))
        let config = Repro.Core.Augment.AugmentConfig.ForLevel(level.Id, m.Config.ImageSize)
        Repro.Core.Augment.AugmentPreview.Save(config, samples, s.GetResult(AugShowArgs.Seed, defaultValue = 0), out, classNames = ds.ClassNames)
        printfn "wrote %s" out
        ExitCode.Ok

let private eval (a: ParseResults<EvalArgs>) =
    let summary =
        Repro.Core.Evaluation.Coco.CocoEvalCommand.Run(a.GetResult Gt, a.GetResult Dt, a.GetResult(Iou_Type, defaultValue = "bbox"))
    if a.Contains EvalArgs.Json then printfn "%s" (summary.ToJson()) else printf "%s" (summary.ToText())
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
    if args.Contains EnvArgs.Json then
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
        | Eval a -> eval a
        | Data a -> data a
        | Aug a -> aug a
        | Env a -> env a
    with
    | :? ArgumentException as e -> eprintfn "error: %s" e.Message; ExitCode.Usage
    | :? Repro.Core.Native.TorchNativeLoadException as e -> eprintfn "error: %s" e.Message; ExitCode.Failed
    | :? FileNotFoundException as e -> eprintfn "error: %s" e.Message; ExitCode.Usage
    | :? DirectoryNotFoundException as e -> eprintfn "error: %s" e.Message; ExitCode.Usage
    | :? InvalidDataException as e -> eprintfn "error: %s" e.Message; ExitCode.Usage
