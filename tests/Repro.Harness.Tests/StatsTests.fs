module Repro.Harness.Tests.StatsTests

open Xunit
open Repro.Harness.Stats

[<Fact>]
let ``mean and sample standard deviation`` () =
    let e = estimate [ 2.0; 4.0; 4.0; 4.0; 5.0; 5.0; 7.0; 9.0 ]
    Assert.Equal(5.0, e.Mean, 12)
    Assert.Equal(sqrt (32.0 / 7.0), e.Std, 12) // sum of squared deviations 32, n−1 = 7
    Assert.Equal(8, e.N)

[<Fact>]
let ``Welch interval with integer degrees of freedom matches the t table`` () =
    // a = [1,2,3], b = [3,4,5]: variances 1 and 1, n 3 and 3 -> se = sqrt(2/3), df = (2/3)^2 / (2 * (1/3)^2 / 2) = 4;
    // t(0.975, 4) = 2.7764 from the t table, so the 95% interval is -2 ± 2.7764 * 0.81650 = (-4.2669, 0.2669).
    let d = difference 0.95 (estimate [ 1.0; 2.0; 3.0 ]) (estimate [ 3.0; 4.0; 5.0 ])
    Assert.Equal(-2.0, d.Delta, 12)
    let lo, hi = d.Interval.Value
    Assert.Equal(-4.2669, lo, 3)
    Assert.Equal(0.2669, hi, 3)
    Assert.Equal(0, supportedSign d)

[<Fact>]
let ``one seed gives no interval and no supported sign`` () =
    let d = difference 0.95 (estimate [ 10.0 ]) (estimate [ 1.0; 2.0 ])
    Assert.Equal(8.5, d.Delta) // 10 − mean(1, 2)
    Assert.True(d.Interval.IsNone)
    Assert.Equal(0, supportedSign d)

[<Fact>]
let ``a clear difference has a supported sign`` () =
    let d = difference 0.95 (estimate [ 10.0; 10.5; 9.5 ]) (estimate [ 1.0; 1.5; 0.5 ])
    Assert.Equal(1, supportedSign d)
    Assert.Equal(-1, supportedSign (difference 0.95 (estimate [ 1.0; 1.5; 0.5 ]) (estimate [ 10.0; 10.5; 9.5 ])))
