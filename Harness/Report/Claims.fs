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

/// A trend the paper states beside the signs (e.g. "the gain shrinks as data grows"): effect(First) >
/// effect(Second), where an effect is Row − Versus in a column. It holds only where the interval of the difference
/// of the two effects excludes 0.
type Trend =
    { Description: string
      First: Comparison
      Second: Comparison }

type ClaimSpec =
    { Id: int
      Comparisons: Comparison list
      Trends: Trend list }

type Verdict =
    /// Every comparison's interval excludes 0 on the claimed side.
    | Reproduced
    /// A measured comparison's interval excludes 0 on the other side (whatever is still unmeasured).
    | NotReproduced
    /// Every comparison is measured, none contradicts, some are inside the noise (or have one seed).
    | Inconclusive
    /// Some comparisons are measured and none contradicts; the verdict on those is given, the rest are missing.
    | PartlyEvaluated of measured: int * total: int * onMeasured: Verdict
    | NotEvaluated of string

/// What a trend's data says.
type TrendVerdict =
    | Holds
    | DoesNotHold
    /// The difference of the two effects is inside its interval around 0, or has no interval (one seed).
    | WithinNoise of Difference
    | NotMeasured

type Evidence =
    { Comparison: Comparison
      Difference: Difference option }

type ClaimResult =
    { Id: int
      Text: string
      Verdict: Verdict
      Evidence: Evidence list
      Trends: (Trend * TrendVerdict) list }

let private cmp table row versus column sign = { Table = table; Row = row; Versus = versus; Column = column; Sign = sign }

/// The comparisons each claim rests on, as the paper states them (see paper.md "Claims a miniature can check").
let specs : ClaimSpec list =
    let aug = "pretraining-vs-augmentation"
    let frac = "self-training-vs-fraction"
    [ { Id = 1
        Comparisons = [ cmp aug "imagenet" "rand" "S4" -1 ]
        Trends = [ { Description = "pre-training's effect at S1 exceeds its effect at S4"; First = cmp aug "imagenet" "rand" "S1" 1; Second = cmp aug "imagenet" "rand" "S4" 1 } ] }
      { Id = 2
        Comparisons = [ cmp frac "imagenet" "rand" "20" 1; cmp frac "imagenet" "rand" "50" -1; cmp frac "imagenet" "rand" "100" -1 ]
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
        Comparisons =
            [ for init in [ "rand"; "imagenet" ] do
                cmp "joint-training" "joint" "sup" init 1
                cmp "joint-training" "st" "sup" init 1
                cmp "joint-training" "st-joint" "st" init 1
                cmp "joint-training" "st-joint" "joint" init 1 ]
        Trends = [] }
      { Id = 10
        Comparisons =
            [ for level in [ "S1"; "S4" ] do
                cmp "segmentation-init" "imagenet" "rand" level 1
                cmp "segmentation-init" "imagenetpp" "rand" level 1
                cmp "segmentation-self-training" "train-st" "train" level 1
                for source in [ "imagenet"; "coco"; "pascal-aug" ] do cmp "segmentation-unlabeled-source" source "sup" level 1 ]
        Trends = [] }
      { Id = 11
        Comparisons = [ for c in [ "S1"; "S4" ] -> cmp "loss-normalization" "normalized" "standard" c 1 ]
        Trends = [ { Description = "loss normalization gains more at S4 than at S1"
                     First = cmp "loss-normalization" "normalized" "standard" "S4" 1
                     Second = cmp "loss-normalization" "normalized" "standard" "S1" 1 } ] }
      { Id = 12
        Comparisons = [ for c in [ "S2"; "S3"; "S4" ] -> cmp "student-initialization" "from-teacher" "random-student" c 1 ]
        Trends = [] } ]

let private estimateOf (tables: TableResult list) (table: string) (row: string) (column: string) =
    match tables |> List.tryFind (fun t -> t.Table.Id = table) with
    | None -> None
    | Some t ->
        match (t.Get(row, column)).Ours with
        | Measured e -> Some e
        | _ -> None

let private differenceOf (level: float) (tables: TableResult list) (c: Comparison) =
    match estimateOf tables c.Table c.Row c.Column, estimateOf tables c.Table c.Versus c.Column with
    | Some a, Some b -> Some(difference level a b)
    | _ -> None

/// effect(First) − effect(Second) with its interval: a contrast of four cell estimates.
let private trendOf (level: float) (tables: TableResult list) (t: Trend) =
    let terms (c: Comparison) (sign: float) =
        [ estimateOf tables c.Table c.Row c.Column |> Option.map (fun e -> sign, e)
          estimateOf tables c.Table c.Versus c.Column |> Option.map (fun e -> -sign, e) ]
    let all = terms t.First 1.0 @ terms t.Second -1.0
    if all |> List.exists Option.isNone then NotMeasured
    else
        let d = contrast level (List.choose id all)
        match supportedSign d with
        | 1 -> Holds
        | -1 -> DoesNotHold
        | _ -> WithinNoise d

/// Judges one claim from the intervals of its comparisons (see Verdict); a single-seed cell has no interval, so it
/// never reproduces or contradicts a claim by itself.
let evaluate (level: float) (tables: TableResult list) (claims: PaperTables.Claim list) (spec: ClaimSpec) =
    let text = claims |> List.tryFind (fun c -> c.Id = spec.Id) |> Option.map (fun c -> c.Text) |> Option.defaultValue ""
    let evidence = spec.Comparisons |> List.map (fun c -> { Comparison = c; Difference = differenceOf level tables c })
    let measured = evidence |> List.choose (fun e -> e.Difference |> Option.map (fun d -> supportedSign d * e.Comparison.Sign))
    let missing = evidence |> List.filter (fun e -> e.Difference.IsNone)
    let verdict =
        if measured.IsEmpty then
            NotEvaluated(sprintf "none of its %d comparisons has measurements (e.g. %s vs %s at %s)" evidence.Length
                             missing.Head.Comparison.Row missing.Head.Comparison.Versus missing.Head.Comparison.Column)
        elif measured |> List.exists (fun s -> s < 0) then NotReproduced
        else
            let onMeasured = if measured |> List.forall (fun s -> s > 0) then Reproduced else Inconclusive
            if missing.IsEmpty then onMeasured else PartlyEvaluated(measured.Length, evidence.Length, onMeasured)
    { Id = spec.Id; Text = text; Verdict = verdict; Evidence = evidence
      Trends = spec.Trends |> List.map (fun t -> t, trendOf level tables t) }

let evaluateAll (level: float) (tables: TableResult list) (claims: PaperTables.Claim list) =
    specs |> List.map (evaluate level tables claims)

let rec verdictText (v: Verdict) =
    match v with
    | Reproduced -> "reproduced"
    | NotReproduced -> "NOT reproduced"
    | Inconclusive -> "inconclusive"
    | PartlyEvaluated(n, total, on) -> sprintf "partly evaluated (%d of %d comparisons measured: %s on those)" n total (verdictText on)
    | NotEvaluated why -> sprintf "not evaluated (%s)" why

let toMarkdown (level: float) (results: ClaimResult list) =
    let sb = StringBuilder()
    let line (s: string) = sb.AppendLine s |> ignore
    line "## Claims"
    line ""
    line (sprintf "Each effect is a difference of seed means with a %.0f%% Welch interval. Reproduced: every interval excludes 0 on the claimed side; NOT reproduced: a measured one excludes 0 on the other side; inconclusive: otherwise (a single seed gives no interval); partly evaluated: some comparisons are not measured. A trend holds only where the interval of the difference of its two effects excludes 0." (level * 100.0))
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
        for t, verdict in r.Trends do
            let s =
                match verdict with
                | Holds -> "holds"
                | DoesNotHold -> "does not hold"
                | WithinNoise d ->
                    match d.Interval with
                    | Some(lo, hi) -> sprintf "within the noise (%+.2f, CI [%.2f, %.2f])" d.Delta lo hi
                    | None -> sprintf "within the noise (%+.2f, 1 seed: no interval)" d.Delta
                | NotMeasured -> "not measured"
            line (sprintf "- trend: %s — %s" t.Description s)
        line ""
    sb.ToString()
