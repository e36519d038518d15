// Repro's build: thin orchestration only. Every target calls `dotnet build`/`dotnet test` or the compiled `repro`
// program, where the logic lives and is tested. Start it with ./build.sh (first time) or `dotnet fake build -t X`.
// Arguments after `--` go to `repro`:  dotnet fake build -t Reproduce -- --profile smoke
// Packages below must match eng/fake-deps/fake-deps.fsproj; build.fsx.lock is generated from it (eng/fake-lock.fsx).
#r "paket:
nuget FSharp.Core 6.0.0
nuget FSharp.Control.Reactive 4.4.2
nuget Fake.Core.Target 6.2.0
nuget Fake.DotNet.Cli 6.2.0
nuget Fake.IO.FileSystem 6.2.0 //"

open System
open System.IO
open Fake.Core
open Fake.Core.TargetOperators
open Fake.DotNet
open Fake.IO
open Fake.IO.FileSystemOperators
open Fake.IO.Globbing.Operators

let configuration = Environment.environVarOrDefault "CONFIGURATION" "Release"
let solution = "Repro.sln"
let testResults = "TestResults"
let reproDll = Path.Combine("Harness", "bin", configuration, "net10.0", "repro.dll")

let withConfig (o: DotNet.Options) = { o with Verbosity = Some DotNet.Verbosity.Minimal }

/// Runs the compiled `repro` with the given arguments; fails the target (and so the build) on a non-zero exit.
let repro (args: string list) =
    let result = DotNet.exec id reproDll (Args.toWindowsCommandLine args)
    if not result.OK then failwithf "repro %s failed with exit code %d" (String.Join(" ", args)) result.ExitCode

/// Arguments after `--` on the fake command line.
let passThrough (p: TargetParameter) = p.Context.Arguments

Target.initEnvironment ()

Target.create "Clean" (fun _ ->
    !! "**/bin" ++ "**/obj" -- "eng/**" |> Shell.cleanDirs
    Shell.cleanDir testResults)

Target.create "Build" (fun _ ->
    DotNet.build (fun o -> { o with Configuration = DotNet.BuildConfiguration.fromString configuration; Common = withConfig o.Common }) solution)

/// Reads the runners' TRX files and prints one closing line `Tests: N passed, N failed, N skipped`.
let summarizeTrx () =
    let counts =
        !! (testResults </> "*.trx")
        |> Seq.map (fun f ->
            let doc = Xml.XmlDocument()
            doc.Load(f: string)
            let c = doc.GetElementsByTagName("Counters").[0]
            let n (a: string) = match c.Attributes.[a] with null -> 0 | x -> int x.Value
            n "passed", n "failed", n "total" - n "executed")
        |> Seq.fold (fun (a, b, c) (x, y, z) -> a + x, b + y, c + z) (0, 0, 0)
    let passed, failed, skipped = counts
    Trace.log (sprintf "Tests: %d passed, %d failed, %d skipped" passed failed skipped)
    passed, failed

Target.create "Test" (fun _ ->
    Shell.cleanDir testResults
    let run =
        try
            DotNet.test (fun o ->
                { o with
                    Configuration = DotNet.BuildConfiguration.fromString configuration
                    NoBuild = true
                    ResultsDirectory = Some testResults
                    Logger = Some "trx"
                    Common = withConfig o.Common }) solution
            None
        with e -> Some e
    let passed, failed = summarizeTrx ()
    match run with
    | Some e -> raise e
    | None when passed = 0 -> failwith "no test ran"
    | None when failed > 0 -> failwithf "%d tests failed" failed
    | None -> ())

Target.create "Reproduce" (fun p -> repro ("reproduce" :: passThrough p))
Target.create "Tables" (fun p -> repro ("tables" :: passThrough p))
// Climbs every cell's schedule ladder once and writes the profile's schedule table (golden/<profile>/schedules.json).
Target.create "Calibrate" (fun p -> repro ([ "sweep"; "--calibrate" ] @ passThrough p))
// Runs what the profile's records lack (resumable), then compares them with golden/<profile>/.
Target.create "CheckGolden" (fun p ->
    repro ("sweep" :: passThrough p)
    repro ([ "golden"; "check" ] @ passThrough p))
// Replays a few runs with each deliberate regression and fails unless the golden check flags every one.
Target.create "GoldenRegressions" (fun p -> repro ([ "golden"; "regressions" ] @ passThrough p))
Target.create "UpdateGolden" (fun p -> repro ([ "golden"; "update" ] @ passThrough p))
Target.create "Default" ignore

"Build" ==> "Test" ==> "Default" |> ignore
"Build" ==> "Reproduce" |> ignore
"Build" ==> "Tables" |> ignore
"Build" ==> "Calibrate" |> ignore
"Build" ==> "CheckGolden" |> ignore
"Build" ==> "UpdateGolden" |> ignore
"Build" ==> "GoldenRegressions" |> ignore
"Clean" ?=> "Build" |> ignore

Target.runOrDefaultWithArguments "Default"
