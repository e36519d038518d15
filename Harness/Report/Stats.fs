/// Seed statistics: mean ± sample standard deviation, and Welch confidence intervals for differences of means.
module Repro.Harness.Stats

open MathNet.Numerics.Distributions

type Estimate =
    { Mean: float
      Std: float
      N: int }

let estimate (values: float list) =
    let n = values.Length
    if n = 0 then invalidArg "values" "no values"
    let mean = List.average values
    let std = if n < 2 then 0.0 else sqrt ((values |> List.sumBy (fun v -> (v - mean) ** 2.0)) / float (n - 1))
    { Mean = mean; Std = std; N = n }

/// A difference of two means with its two-sided confidence interval (None when either side has a single value:
/// one seed gives no estimate of the spread).
type Difference =
    { Delta: float
      Interval: (float * float) option
      Level: float }

/// A linear contrast Σ cᵢ·meanᵢ of independent estimates with its Welch–Satterthwaite interval (None when any term
/// has a single value). A difference of two differences — "this gain exceeds that gain" — is the contrast
/// (+1, −1, −1, +1).
let contrast (level: float) (terms: (float * Estimate) list) =
    let delta = terms |> List.sumBy (fun (c, e) -> c * e.Mean)
    if terms |> List.exists (fun (_, e) -> e.N < 2) then { Delta = delta; Interval = None; Level = level }
    else
        let vs = terms |> List.map (fun (c, e) -> c * c * e.Std * e.Std / float e.N, e.N)
        let var = vs |> List.sumBy fst
        if var = 0.0 then { Delta = delta; Interval = Some(delta, delta); Level = level }
        else
            let df = var * var / (vs |> List.sumBy (fun (v, n) -> v * v / float (n - 1)))
            let t = StudentT.InvCDF(0.0, 1.0, df, 1.0 - (1.0 - level) / 2.0)
            let se = sqrt var
            { Delta = delta; Interval = Some(delta - t * se, delta + t * se); Level = level }

/// Welch's t interval for mean(a) − mean(b) at the given confidence level (e.g. 0.95).
let difference (level: float) (a: Estimate) (b: Estimate) = contrast level [ 1.0, a; -1.0, b ]

/// Sign of a difference as the data supports it: +1 / −1 when the interval excludes 0, 0 when it includes 0 or
/// there is no interval.
let supportedSign (d: Difference) =
    match d.Interval with
    | Some(lo, _) when lo > 0.0 -> 1
    | Some(_, hi) when hi < 0.0 -> -1
    | _ -> 0
