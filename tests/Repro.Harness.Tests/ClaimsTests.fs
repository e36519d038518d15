module Repro.Harness.Tests.ClaimsTests

open Xunit
open Repro.Harness
open Repro.Harness.Claims
open Repro.Harness.RunStore

let tables () = PaperTables.loadAll TestPaths.paperTables
let claims () = PaperTables.loadClaims TestPaths.paperTables
let augTable () = tables () |> List.find (fun t -> t.Id = "pretraining-vs-augmentation")

/// Records for the augmentation table: rand at `randAp`, rand-st at `randAp + stGain`, three seeds each (±0.2).
let records (randAp: float) (stGain: float) =
    let t = augTable ()
    [ for s in [ "S1"; "S2"; "S3"; "S4" ] do
        for seed, jitter in [ 0, -0.2; 1, 0.0; 2, 0.2 ] do
            TablesTests.recordFor t "rand" s seed (randAp + jitter) Succeeded
            TablesTests.recordFor t "rand-st" s seed (randAp + stGain + jitter) Succeeded ]

let claim4 (recs: RunRecord list) =
    let results = tables () |> List.map (Tables.compute 0.95 (TablesTests.byCellKey recs))
    evaluate 0.95 results (claims ()) (specs |> List.find (fun s -> s.Id = 4))

[<Fact>]
let ``self-training gain clear at every level is reproduced`` () =
    let r = claim4 (records 20.0 2.0)
    Assert.Equal(Reproduced, r.Verdict)
    Assert.Equal(4, r.Evidence.Length)
    for e in r.Evidence do Assert.Equal(2.0, e.Difference.Value.Delta, 9)

[<Fact>]
let ``a clear loss is not reproduced and a gain within the noise is inconclusive`` () =
    Assert.Equal(NotReproduced, (claim4 (records 20.0 -2.0)).Verdict)
    Assert.Equal(Inconclusive, (claim4 (records 20.0 0.1)).Verdict)

[<Fact>]
let ``claims without measurements are not evaluated, and the report says so`` () =
    let results = tables () |> List.map (Tables.compute 0.95 (TablesTests.byCellKey []))
    let all = evaluateAll 0.95 results (claims ())
    Assert.Equal(12, all.Length)
    Assert.All(all, fun r -> Assert.True(match r.Verdict with NotEvaluated _ -> true | _ -> false))
    Assert.Contains("### Claim 4: not evaluated", toMarkdown 0.95 all)
