/// The `repro` command line: one Argu union per subcommand. Handlers live in Program.fs and the modules it calls.
module Repro.Harness.Cli

open Argu

type EnvArgs =
    | [<AltCommandLine("-j")>] Json
    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Json -> "print the environment report as JSON."

[<RequireSubcommand>]
type ReproArgs =
    | [<CliPrefix(CliPrefix.None)>] Env of ParseResults<EnvArgs>
    | [<AltCommandLine("-v")>] Verbose
    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Env _ -> "show versions, the TorchSharp native library in use, threads and devices."
            | Verbose -> "more logging."

/// Exit codes: 0 ok, 1 the work failed (a run, a test, a golden check), 2 bad usage or bad input.
module ExitCode =
    [<Literal>]
    let Ok = 0
    [<Literal>]
    let Failed = 1
    [<Literal>]
    let Usage = 2
