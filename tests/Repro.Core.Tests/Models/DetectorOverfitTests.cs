using Repro.Core.Native;
using Repro.Core.Data;
using Repro.Core.Data.Batching;
using System.Diagnostics;
using Repro.Core.Data.Images;
using Repro.Core.Models;
using Repro.Core.Models.Detection;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Repro.Core.Tests.Models;

public class DetectorOverfitTests(ITestOutputHelper output) : TorchTestBase
{
    /// <summary>A 64×64 grey image with filled rectangles; class 0 red, class 1 blue.</summary>
    static RgbImage Draw((int X1, int Y1, int X2, int Y2, int Label)[] objects)
    {
        var img = new RgbImage(64, 64);
        Array.Fill(img.Pixels, (byte)110);
        foreach (var (x1, y1, x2, y2, label) in objects)
            for (int y = y1; y < y2; y++)
                for (int x = x1; x < x2; x++)
                {
                    int o = img.Offset(x, y);
                    (img.Pixels[o], img.Pixels[o + 1], img.Pixels[o + 2]) = label == 0 ? ((byte)230, (byte)40, (byte)40) : ((byte)30, (byte)60, (byte)220);
                }
        return img;
    }

    [Fact]
    public void TinyDetectorOverfitsAFewImagesAndRecoversTheirBoxes()
    {
        var sw = Stopwatch.StartNew();
        manual_seed(0);
        var scenes = new[]
        {
            new[] { (6, 8, 26, 30, 0), (36, 34, 60, 58, 1) },
            new[] { (20, 4, 44, 22, 1) },
            new[] { (4, 40, 22, 60, 0), (30, 10, 58, 36, 0) },
        };
        var config = DetectorConfig.Miniature(numClasses: 2);
        using var det = new RetinaNet(config);
        // Normalised exactly as training batches are (the data layer's collator, ImageNet mean/std).
        using var batch = new BatchCollator().CollateTensors(scenes.Select(s => new LabelledImage { Image = Draw(s) }).ToArray());
        var images = batch.Images;
        var targets = scenes.Select(s => DetectionTarget.FromArrays(
            s.SelectMany(o => new float[] { o.Item1, o.Item2, o.Item3, o.Item4 }).ToArray(),
            s.Select(o => (long)o.Item5).ToArray())).ToArray();

        var opt = optim.Adam(det.parameters(), lr: 2e-3);
        det.train();
        float first = 0, last = 0;
        var recent = new Queue<float>();
        // Inside no-GC regions, as the trainer's steps are (GcPause: TorchSharp's temporary Scalars).
        try
        {
            for (int step = 0; step < 150; step++)
            {
                GcPause.AtSafePoint();
                using var scope = NewDisposeScope();
                opt.zero_grad();
                var loss = det.Losses(images, targets)["loss"];
                loss.backward();
                opt.step();
                float v = loss.item<float>();
                if (step == 0) first = v;
                recent.Enqueue(v);
                if (recent.Count > 10) recent.Dequeue();
            }
        }
        finally { GcPause.End(); }
        last = recent.Average();   // mean of the last 10 steps: single steps of Adam on 3 images are noisy
        output.WriteLine($"loss {first:F4} → {last:F4} in {sw.Elapsed.TotalSeconds:F1} s");
        Assert.True(last * 10 <= first, $"loss fell only from {first} to {last}");

        var dets = det.Detect(images);
        for (int i = 0; i < scenes.Length; i++)
            foreach (var (x1, y1, x2, y2, label) in scenes[i])
            {
                var truth = new float[] { x1, y1, x2, y2 };
                // the best-scoring detection of that class overlaps the object by IoU > 0.5
                int best = -1; float bestIou = 0;
                for (int k = 0; k < dets[i].Count; k++)
                {
                    if (dets[i].Labels[k] != label || dets[i].Scores[k] < 0.3f) continue;
                    float iou = BoxIou.Pair(dets[i].Boxes.AsSpan(4 * k, 4), truth);
                    if (iou > bestIou) (best, bestIou) = (k, iou);
                }
                output.WriteLine($"image {i} object {label} [{x1},{y1},{x2},{y2}]: IoU {bestIou:F2} score {(best >= 0 ? dets[i].Scores[best] : 0):F2}");
                Assert.True(bestIou > 0.5, $"image {i}: object of class {label} at [{x1},{y1},{x2},{y2}] not recovered (best IoU {bestIou})");
            }
        Assert.True(det.training, "Detect must restore training mode");
    }
}
