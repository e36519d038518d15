using System.Text.Json;

namespace Repro.Core.Tests.Regimes.SelfTraining;

/// <summary>
/// The loss-normalization formula checked against a student's logged parts (metrics.jsonl): the running means are the
/// EMA (momentum m, started at the first value) of the logged human / pseudo losses, the pseudo weight is their ratio,
/// and the loss is L_h + w·L_p plus whatever else the run adds (<paramref name="extraLoss"/>).
/// </summary>
static class NormalizedLossTrace
{
    public static void Check(IReadOnlyList<JsonElement> lines, double momentum, Func<JsonElement, double> extraLoss)
    {
        double mh = 0, mp = 0;
        for (int t = 0; t < lines.Count; t++)
        {
            var e = lines[t];
            double lh = e.GetProperty("loss_human").GetDouble(), lp = e.GetProperty("loss_pseudo").GetDouble();
            (mh, mp) = t == 0 ? (lh, lp) : (momentum * mh + (1 - momentum) * lh, momentum * mp + (1 - momentum) * lp);
            Assert.Equal(mh, e.GetProperty("loss_human_mean").GetDouble(), 12);
            Assert.Equal(mp, e.GetProperty("loss_pseudo_mean").GetDouble(), 12);
            double w = e.GetProperty("pseudo_weight").GetDouble();
            Assert.Equal(mh / mp, w, 12);
            Assert.Equal(lh + w * lp + extraLoss(e), e.GetProperty("loss").GetDouble(), 4);
        }
    }
}
