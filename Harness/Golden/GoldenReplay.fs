/// Replays of a profile's runs in child `repro sweep` processes under a changed environment: other platforms
/// (ATen / oneDNN kernel caps, thread counts) to measure how far honest results move, and deliberate regressions
/// (Core's InjectedRegression) to prove that the golden check catches broken code.
module Repro.Harness.GoldenReplay

open System
open System.Diagnostics
open System.IO

/// A platform one machine can imitate: kernels capped by environment variables, or another thread count.
type PlatformVariant =
    { Name: string
      Environment: (string * string) list
      Threads: int option
      /// A CPU feature flag (/proc/cpuinfo) the variant needs: libtorch 2.10 dies of an illegal instruction when
      /// ATEN_CPU_CAPABILITY asks for an ISA the CPU lacks, so such a variant is skipped, saying so.
      Needs: string option }

/// This machine as it is: a platform of its own where it is not the snapshot's.
let native = { Name = "native"; Environment = []; Threads = None; Needs = None }

/// The variants `golden spread` replays: this machine as it is, ATen's vector kernels pinned to each ISA, oneDNN's
/// convolutions capped below the CPU's ISA, one thread instead of the profile's.
let variants =
    [ native
      { Name = "aten-default"; Environment = [ "ATEN_CPU_CAPABILITY", "default" ]; Threads = None; Needs = None }
      { Name = "aten-avx2"; Environment = [ "ATEN_CPU_CAPABILITY", "avx2" ]; Threads = None; Needs = Some "avx2" }
      { Name = "aten-avx512"; Environment = [ "ATEN_CPU_CAPABILITY", "avx512" ]; Threads = None; Needs = Some "avx512f" }
      { Name = "onednn-sse41"; Environment = [ "ONEDNN_MAX_CPU_ISA", "SSE41" ]; Threads = None; Needs = None }
      { Name = "onednn-avx2"; Environment = [ "ONEDNN_MAX_CPU_ISA", "AVX2" ]; Threads = None; Needs = None }
      { Name = "threads-1"; Environment = []; Threads = Some 1; Needs = None } ]

/// Whether this machine's CPU can run the variant.
let runsHere (v: PlatformVariant) =
    match v.Needs with
    | None -> true
    | Some flag ->
        try File.ReadLines "/proc/cpuinfo" |> Seq.exists (fun l -> l.StartsWith "flags" && Array.contains flag (l.Split(' ', StringSplitOptions.RemoveEmptyEntries)))
        with :? IOException -> false

/// A deliberate regression and the runs that show it (`--only` texts: those runs and their prerequisites).
type Regression =
    { Name: string
      Only: string list }

/// One run selection per regression of Core's InjectedRegression, the cheapest that the broken piece affects.
let regressions =
    [ { Name = Repro.Core.InjectedRegression.LossNormalizationOff; Only = [ "rand 100% S1 +ST seed" ] }
      { Name = Repro.Core.InjectedRegression.PretrainedNotLoaded; Only = [ "imagenet 100% S1 seed" ] }
      { Name = Repro.Core.InjectedRegression.AugmentLevelIgnored; Only = [ "rand 100% S4 seed" ] }
      { Name = Repro.Core.InjectedRegression.BoxCoderWeight; Only = [ "rand 100% S1 seed" ] }
      { Name = Repro.Core.InjectedRegression.PseudoThresholdRaised; Only = [ "rand 100% S1 +ST seed" ] }
      { Name = Repro.Core.InjectedRegression.SegmentationIgnoreDropped; Only = [ "seg efficientnet-b7 rand train S1 seed" ] } ]

/// Runs `repro <args>` (this program) with extra environment variables; returns the exit code. Its output goes to
/// `log`, so a failed replay can be read afterwards.
let runRepro (args: string list) (environment: (string * string) list) (log: string) =
    let psi = Workers.thisProgram ()
    psi.RedirectStandardOutput <- true
    psi.RedirectStandardError <- true
    for a in args do psi.ArgumentList.Add a
    psi.Environment.["REPRO_PLAIN_PROGRESS"] <- "1"
    for k, v in environment do psi.Environment.[k] <- v
    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath log)) |> ignore
    use writer = new StreamWriter(log)
    use p = new Process(StartInfo = psi)
    let gate = obj ()
    let write (e: DataReceivedEventArgs) = if not (isNull e.Data) then lock gate (fun () -> writer.WriteLine e.Data)
    p.OutputDataReceived.Add write
    p.ErrorDataReceived.Add write
    p.Start() |> ignore
    p.BeginOutputReadLine()
    p.BeginErrorReadLine()
    p.WaitForExit()
    p.ExitCode
