using Repro.Core.Models.Detection;
using static TorchSharp.torch;

namespace Repro.Core.Tests.Models;

/// <summary>Checks the batched loss assembly against a per-anchor re-computation in plain double arithmetic.</summary>
public class DetectorLossOracleTests : TorchTestBase
{
    [Theory]
    [InlineData(BoxLossKind.L1, 0.0, false)]
    [InlineData(BoxLossKind.Huber, 0.1, true)]
    public void LossesEqualAPerAnchorRecomputation(BoxLossKind kind, double parameter, bool perCoordinate)
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        var config = DetectorConfig.Miniature(numClasses: 3) with
        {
            Loss = new LossConfig { FocalAlpha = 0.25, FocalGamma = 1.5, BoxLoss = kind, BoxLossParameter = parameter, BoxLossWeight = 2.0, BoxLossPerCoordinate = perCoordinate },
        };
        using var det = new RetinaNet(config);
        det.eval();   // BatchNorm on running statistics: forward is then a pure function we can call twice
        var images = randn(3, 3, 64, 64);
        var gts = new (float[] Boxes, long[] Labels)[]
        {
            (new float[] { 7.3f, 12.9f, 29.1f, 33.7f, 35.2f, 30.4f, 61.9f, 58.3f }, new long[] { 2, 0 }),
            (Array.Empty<float>(), Array.Empty<long>()),
            (new float[] { 20.6f, 3.1f, 45.8f, 21.7f }, new long[] { 1 }),
        };
        var losses = det.Losses(images, gts.Select(g => DetectionTarget.FromArrays(g.Boxes, g.Labels)).ToArray());

        var (logitsL, deltasL) = det.forward(images);
        var logits = cat(logitsL, 1).data<float>().ToArray();   // [3, A, 3]
        var deltas = cat(deltasL, 1).data<float>().ToArray();   // [3, A, 4]
        var anchors = new[] { (8, 8, 8), (16, 4, 4), (32, 2, 2) }
            .SelectMany(l => det.AnchorGenerator.LevelAnchors(l.Item1, l.Item2, l.Item3)).ToArray();
        int a = anchors.Length / 4, c = 3;

        double cls = 0, box = 0; int numPos = 0;
        for (int img = 0; img < 3; img++)
        {
            var (gb, gl) = gts[img];
            int g = gl.Length;
            var iou = new double[g, a];
            for (int j = 0; j < g; j++) for (int k = 0; k < a; k++) iou[j, k] = Iou(gb, j, anchors, k);
            var bestPerGt = Enumerable.Range(0, g).Select(j => Enumerable.Range(0, a).Max(k => iou[j, k])).ToArray();
            for (int k = 0; k < a; k++)
            {
                int match = -1; double best = -1;
                for (int j = 0; j < g; j++) if (iou[j, k] > best) (best, match) = (iou[j, k], j);
                int state = g == 0 || best < 0.4 ? -1 : best < 0.5 ? -2 : match;
                for (int j = 0; j < g; j++) if (bestPerGt[j] > 0 && Math.Abs(iou[j, k] - bestPerGt[j]) < 1e-7) state = match;
                if (state == -2) continue;   // ignored anchor: no loss at all
                for (int ci = 0; ci < c; ci++)
                {
                    double t = state >= 0 && gl[state] == ci ? 1 : 0;
                    cls += Focal(logits[(img * a + k) * c + ci], t, 0.25, 1.5);
                }
                if (state < 0) continue;
                numPos++;
                var target = Encode(anchors, k, gb, state);
                for (int d = 0; d < 4; d++)
                {
                    double diff = Math.Abs(deltas[(img * a + k) * 4 + d] - target[d]);
                    box += kind == BoxLossKind.L1 ? diff : diff < parameter ? 0.5 * diff * diff : parameter * (diff - 0.5 * parameter);
                }
            }
        }
        double norm = Math.Max(1, numPos);
        Assert.Equal(numPos, (int)losses["num_pos"].item<float>());
        Assert.Equal(cls / norm, losses["cls"].item<float>(), 4);
        Assert.Equal(2.0 * box / (perCoordinate ? 4 * norm : norm), losses["box"].item<float>(), 4);
        Assert.Equal(losses["cls"].item<float>() + losses["box"].item<float>(), losses["loss"].item<float>(), 5);
    }

    static double Iou(float[] gt, int j, float[] anchors, int k)
    {
        double iw = Math.Min(gt[4 * j + 2], anchors[4 * k + 2]) - Math.Max(gt[4 * j], anchors[4 * k]);
        double ih = Math.Min(gt[4 * j + 3], anchors[4 * k + 3]) - Math.Max(gt[4 * j + 1], anchors[4 * k + 1]);
        if (iw <= 0 || ih <= 0) return 0;
        double ag = (gt[4 * j + 2] - gt[4 * j]) * (double)(gt[4 * j + 3] - gt[4 * j + 1]);
        double aa = (anchors[4 * k + 2] - anchors[4 * k]) * (double)(anchors[4 * k + 3] - anchors[4 * k + 1]);
        return iw * ih / (ag + aa - iw * ih);
    }

    static double[] Encode(float[] anchors, int k, float[] gt, int j)
    {
        double aw = anchors[4 * k + 2] - anchors[4 * k], ah = anchors[4 * k + 3] - anchors[4 * k + 1];
        double ax = anchors[4 * k] + aw / 2, ay = anchors[4 * k + 1] + ah / 2;
        double gw = gt[4 * j + 2] - gt[4 * j], gh = gt[4 * j + 3] - gt[4 * j + 1];
        double gx = gt[4 * j] + gw / 2, gy = gt[4 * j + 1] + gh / 2;
        return new[] { (gx - ax) / aw, (gy - ay) / ah, Math.Log(gw / aw), Math.Log(gh / ah) };
    }

    static double Focal(double x, double t, double alpha, double gamma)
    {
        double p = 1 / (1 + Math.Exp(-x));
        double pT = t == 1 ? p : 1 - p;
        return (t == 1 ? alpha : 1 - alpha) * Math.Pow(1 - pT, gamma) * -Math.Log(pT);
    }
}
