using System.Text.Json;

namespace Repro.Core.Tests.Regimes.SelfTraining;

/// <summary>
/// The loss-normalization formula checked against a student's logged parts (metrics.jsonl): the running means are the
/// EMA (time constant τ, started at the first value) of the logged human / pseudo losses, the weights are
/// 1/(1+α) and α·(L̄h/L̄p)/(1+α), and the loss is w_h·L_h + w_p·L_p plus whatever else the run adds (<paramref name="extraLoss"/>).
/// </summary>
static class NormalizedLossTrace
{
    public static void Check(IReadOnlyList<JsonElement> lines, double timeConstant, double alpha, Func<JsonElement, double> extraLoss)
    {
        var momentum = 1 - 1 / timeConstant;
        double mh = 0, mp = 0;
        for (int t = 0; t < lines.Count; t++)
        {
            var e = lines[t];
            double lh = e.GetProperty("loss_human").GetDouble(), lp = e.GetProperty("loss_pseudo").GetDouble();
            (mh, mp) = t == 0 ? (lh, lp) : (momentum * mh + (1 - momentum) * lh, momentum * mp + (1 - momentum) * lp);
            Assert.Equal(mh, e.GetProperty("loss_human_mean").GetDouble(), 12);
            Assert.Equal(mp, e.GetProperty("loss_pseudo_mean").GetDouble(), 12);
            double wh = e.GetProperty("human_weight").GetDouble(), wp = e.GetProperty("pseudo_weight").GetDouble();
            Assert.Equal(1 / (1 + alpha), wh, 12);
            Assert.Equal(alpha * mh / mp / (1 + alpha), wp, 12);
            Assert.Equal(wh * lh + wp * lp + extraLoss(e), e.GetProperty("loss").GetDouble(), 4);
        }
    }
}
