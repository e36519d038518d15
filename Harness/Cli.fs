/// The `repro` command line: one Argu union per subcommand. Handlers live in Program.fs and the modules it calls.
module Repro.Harness.Cli

open Argu

/// Options shared by the commands that read or write a profile's results.
type ResultsArgs =
    | [<AltCommandLine("-p")>] Profile of name: string
    | Results of folder: string
    | Paper_Tables of folder: string
    | Golden_Root of folder: string
    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Profile _ -> "profile: smoke | default | paper (default: default)."
            | Results _ -> "results folder (default: results/<profile>)."
            | Paper_Tables _ -> "folder of the paper's tables (default: paper-tables)."
            | Golden_Root _ -> "folder of golden snapshots (default: golden)."

type EnvArgs =
    | [<AltCommandLine("-j")>] Json
    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Json -> "print the environment report as JSON."

type GoldenArgs =
    | [<CliPrefix(CliPrefix.None)>] Check of ParseResults<ResultsArgs>
    | [<CliPrefix(CliPrefix.None)>] Update of ParseResults<ResultsArgs>
    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Check _ -> "compare the profile's results with golden/<profile>/ (exit 1 and a diff if a cell moved)."
            | Update _ -> "rewrite golden/<profile>/results.json from the profile's current results."

[<RequireSubcommand>]
type ReproArgs =
    | [<CliPrefix(CliPrefix.None)>] Tables of ParseResults<ResultsArgs>
    | [<CliPrefix(CliPrefix.None)>] Claims of ParseResults<ResultsArgs>
    | [<CliPrefix(CliPrefix.None)>] Golden of ParseResults<GoldenArgs>
    | [<CliPrefix(CliPrefix.None)>] Env of ParseResults<EnvArgs>
    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Tables _ -> "render the paper's tables (ours beside the paper's) and the claims from existing run records."
            | Claims _ -> "evaluate the paper's claims from existing run records and print the report."
            | Golden _ -> "check or update the golden snapshot of a profile's results."
            | Env _ -> "show versions, the TorchSharp native library in use, threads and devices."

/// Exit codes: 0 ok, 1 the work failed (a run, a test, a golden check), 2 bad usage or bad input.
module ExitCode =
    [<Literal>]
    let Ok = 0
    [<Literal>]
    let Failed = 1
    [<Literal>]
    let Usage = 2
