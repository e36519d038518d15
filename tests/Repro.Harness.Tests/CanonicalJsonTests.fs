module Repro.Harness.Tests.CanonicalJsonTests

open Xunit
open Repro.Harness

type Inner = { B: int; A: string }
type Outer = { Z: Inner; Y: float list; X: string option }

[<Fact>]
let ``canonical text sorts keys at every depth and drops whitespace`` () =
    Assert.Equal("""{"a":1,"b":{"c":[{"d":1,"e":2}],"x":null}}""",
                 CanonicalJson.canonicalizeText """{ "b": {"x": null, "c": [ {"e":2, "d":1} ]}, "a": 1 }""")

[<Fact>]
let ``hash ignores field order and changes with any value`` () =
    let v = { Z = { B = 1; A = "a" }; Y = [ 0.5 ]; X = None }
    let h = CanonicalJson.hashOf v
    Assert.Equal(16, h.Length)
    Assert.Equal(h, CanonicalJson.sha256 (CanonicalJson.canonicalizeText """{"Y":[0.5],"X":null,"Z":{"A":"a","B":1}}""") |> fun s -> s.Substring(0, 16))
    Assert.NotEqual<string>(h, CanonicalJson.hashOf { v with Y = [ 0.25 ] })
    Assert.NotEqual<string>(h, CanonicalJson.hashOf { v with X = Some "x" })

[<Fact>]
let ``records round-trip through canonical JSON`` () =
    let v = { Z = { B = 3; A = "q" }; Y = [ 1.0; 2.5 ]; X = Some "s" }
    Assert.Equal(v, CanonicalJson.deserialize<Outer> (CanonicalJson.serialize v))
