/// The paper's checkable claims (paper-tables/claims.json), each evaluated from the recomputed tables: the effect
/// sizes it rests on, their confidence intervals over seeds, and a verdict. Nothing here is hard-coded to a result:
/// a claim is a list of signed comparisons between table rows, judged by the data.
module Repro.Harness.Claims

open System.Text
open Repro.Harness.Stats
open Repro.Harness.Tables

/// "Row `Better` minus row `Worse` in `Column` has sign `Sign`" — e.g. self-training minus its baseline > 0.
type Comparison =
    { Table: string
      Row: string
      Versus: string
      Column: string
      /// +1: Row > Versus is claimed; −1: Row < Versus is claimed.
      Sign: int }

/// A trend the paper states beside the signs (e.g. "the gain shrinks as data grows"), read on point estimates:
/// effect(First) > effect(Second), where an effect is Row − Versus in a column.
type Trend =
    { Description: string
      First: Comparison
      Second: Comparison }

type ClaimSpec =
    { Id: int
      Comparisons: Comparison list
      Trends: Trend list }

type Verdict =
    | Reproduced
    | NotReproduced
    | Inconclusive
    | NotEvaluated of string

type Evidence =
    { Comparison: Comparison
      Difference: Difference option }

type ClaimResult =
    { Id: int
      Text: string
      Verdict: Verdict
      Evidence: Evidence list
      Trends: (Trend * bool option) list }

let private cmp table row versus column sign = { Table = table; Row = row; Versus = versus; Column = column; Sign = sign }

/// The comparisons each claim rests on, as the paper states them (see paper.md "Claims a miniature can check").
let specs : ClaimSpec list =
    let aug = "pretraining-vs-augmentation"
    let frac = "self-training-vs-fraction"
    [ { Id = 1
        Comparisons = [ cmp aug "imagenet" "rand" "S4" -1 ]
        Trends = [ { Description = "pre-training's effect at S1 exceeds its effect at S4"; First = cmp aug "imagenet" "rand" "S1" 1; Second = cmp aug "imagenet" "rand" "S4" 1 } ] }
      { Id = 2
        Comparisons = [ cmp frac "imagenet" "rand" "20" 1; cmp frac "imagenet" "rand" "100" -1 ]
        Trends = [ { Description = "pre-training's effect at 20% exceeds its effect at 100%"; First = cmp frac "imagenet" "rand" "20" 1; Second = cmp frac "imagenet" "rand" "100" 1 } ] }
      { Id = 3; Comparisons = [ cmp frac "imagenetpp" "imagenet" "20" 1 ]; Trends = [] }
      { Id = 4; Comparisons = [ for s in [ "S1"; "S2"; "S3"; "S4" ] -> cmp aug "rand-st" "rand" s 1 ]; Trends = [] }
      { Id = 5
        Comparisons = [ for f in [ "20"; "50"; "100" ] -> cmp frac "rand-st" "rand" f 1 ]
        Trends = [ { Description = "self-training's gain at 20% exceeds its gain at 100%"; First = cmp frac "rand-st" "rand" "20" 1; Second = cmp frac "rand-st" "rand" "100" 1 } ] }
      { Id = 6
        Comparisons = [ for f in [ "20"; "50"; "100" ] do
                          cmp frac "imagenet-st" "imagenet" f 1
                          cmp frac "imagenetpp-st" "imagenetpp" f 1 ]
        Trends = [] }
      { Id = 7
        Comparisons = [ for f in [ "20"; "50"; "100" ] -> cmp frac "imagenetpp-st" "imagenetpp" f 1 ]
        Trends = [ { Description = "at 20%, self-training gains more on Rand Init than on ImageNet Init"; First = cmp frac "rand-st" "rand" "20" 1; Second = cmp frac "imagenet-st" "imagenet" "20" 1 }
                   { Description = "at 20%, self-training gains more on ImageNet Init than on ImageNet++ Init"; First = cmp frac "imagenet-st" "imagenet" "20" 1; Second = cmp frac "imagenetpp-st" "imagenetpp" "20" 1 } ] }
      { Id = 8
        Comparisons = [ cmp "simclr-vs-self-training" "simclr" "rand" "ap" -1; cmp "simclr-vs-self-training" "rand-st" "rand" "ap" 1 ]
        Trends = [] }
      { Id = 9
        Comparisons = [ cmp "joint-training" "joint" "sup" "ap" 1; cmp "joint-training" "all" "pre" "ap" 1; cmp "joint-training" "all" "st" "ap" 1 ]
        Trends = [] }
      { Id = 10
        Comparisons = [ cmp "segmentation" "imagenet" "rand" "train" 1; cmp "segmentation" "imagenet-st" "imagenet" "train" 1 ]
        Trends = [] }
      { Id = 11
        Comparisons = [ for c in [ "S1-100"; "S4-100"; "S4-20" ] -> cmp "loss-normalization" "normalized" "plain" c 1 ]
        Trends = [] } ]

let private differenceOf (level: float) (tables: TableResult list) (c: Comparison) =
    match tables |> List.tryFind (fun t -> t.Table.Id = c.Table) with
    | None -> None
    | Some t ->
        match (t.Get(c.Row, c.Column)).Ours, (t.Get(c.Versus, c.Column)).Ours with
        | Measured a, Measured b -> Some(difference level a b)
        | _ -> None

/// Judges one claim: Reproduced when every comparison's interval excludes 0 on the claimed side; NotReproduced when
/// any excludes 0 on the other side; Inconclusive otherwise (including single-seed cells, which have no interval).
let evaluate (level: float) (tables: TableResult list) (claims: PaperTables.Claim list) (spec: ClaimSpec) =
    let text = claims |> List.tryFind (fun c -> c.Id = spec.Id) |> Option.map (fun c -> c.Text) |> Option.defaultValue ""
    let evidence = spec.Comparisons |> List.map (fun c -> { Comparison = c; Difference = differenceOf level tables c })
    let missing = evidence |> List.filter (fun e -> e.Difference.IsNone)
    let verdict =
        if not missing.IsEmpty then
            NotEvaluated(sprintf "%d of %d comparisons have no measurements (e.g. %s vs %s at %s)" missing.Length evidence.Length
                             missing.Head.Comparison.Row missing.Head.Comparison.Versus missing.Head.Comparison.Column)
        else
            let signs = evidence |> List.map (fun e -> supportedSign e.Difference.Value * e.Comparison.Sign)
            if signs |> List.exists (fun s -> s < 0) then NotReproduced
            elif signs |> List.forall (fun s -> s > 0) then Reproduced
            else Inconclusive
    let trends =
        spec.Trends
        |> List.map (fun t ->
            match differenceOf level tables t.First, differenceOf level tables t.Second with
            | Some a, Some b -> t, Some(a.Delta > b.Delta)
            | _ -> t, None)
    { Id = spec.Id; Text = text; Verdict = verdict; Evidence = evidence; Trends = trends }

let evaluateAll (level: float) (tables: TableResult list) (claims: PaperTables.Claim list) =
    specs |> List.map (evaluate level tables claims)

let verdictText (v: Verdict) =
    match v with
    | Reproduced -> "reproduced"
    | NotReproduced -> "NOT reproduced"
    | Inconclusive -> "inconclusive"
    | NotEvaluated why -> sprintf "not evaluated (%s)" why

let toMarkdown (level: float) (results: ClaimResult list) =
    let sb = StringBuilder()
    let line (s: string) = sb.AppendLine s |> ignore
    line "## Claims"
    line ""
    line (sprintf "Each effect is a difference of seed means with a %.0f%% Welch interval. Reproduced: every interval excludes 0 on the claimed side; NOT reproduced: one excludes 0 on the other side; inconclusive: otherwise (a single seed gives no interval). Trends are read on point estimates." (level * 100.0))
    line ""
    for r in results do
        line (sprintf "### Claim %d: %s" r.Id (verdictText r.Verdict))
        line ""
        line (sprintf "> %s" r.Text)
        line ""
        for e in r.Evidence do
            let c = e.Comparison
            let claimed = if c.Sign > 0 then "> 0" else "< 0"
            match e.Difference with
            | Some d ->
                let ci = match d.Interval with Some(lo, hi) -> sprintf "[%.2f, %.2f]" lo hi | None -> "no interval (1 seed)"
                line (sprintf "- %s: %s − %s at %s = %+.2f, CI %s (claimed %s)" c.Table c.Row c.Versus c.Column d.Delta ci claimed)
            | None -> line (sprintf "- %s: %s − %s at %s: not measured (claimed %s)" c.Table c.Row c.Versus c.Column claimed)
        for t, holds in r.Trends do
            let s = match holds with Some true -> "holds" | Some false -> "does not hold" | None -> "not measured"
            line (sprintf "- trend: %s — %s" t.Description s)
        line ""
    sb.ToString()
