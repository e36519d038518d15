using System.Diagnostics;
using Repro.Core.Data;
using Repro.Core.Data.Batching;
using Repro.Core.Data.Images;
using Repro.Core.Data.Miniature;
using Repro.Core.Data.Voc;
using Repro.Core.Experiments;
using Repro.Core.Models.Segmentation;
using Repro.Core.Native;
using Repro.Core.Tests.Training;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Repro.Core.Tests.Models.Segmentation;

[Collection(TorchGlobalRngCollection.Name)]
public class SegmentationOverfitTests(ITestOutputHelper output) : TorchTestBase
{
    /// <summary>Writes samples as a VOC-layout set (palette masks) and returns its root.</summary>
    internal static string WriteVoc(string root, string set, IReadOnlyList<LabelledImage> samples, string prefix = "img")
    {
        var ids = new List<string>();
        for (int i = 0; i < samples.Count; i++)
        {
            var id = $"{prefix}_{i:D3}";
            var s = samples[i];
            ImageIO.SavePng(s.Image, Path.Combine(root, "JPEGImages", id + ".png"));
            ImageIO.SavePng(SegmentationSetWriter.Colourise(s.Mask!, s.Image.Width, s.Image.Height), Path.Combine(root, "SegmentationClass", id + ".png"));
            ids.Add(id);
        }
        var list = Path.Combine(root, "ImageSets", "Segmentation", set + ".txt");
        Directory.CreateDirectory(Path.GetDirectoryName(list)!);
        File.WriteAllLines(list, ids);
        return root;
    }

    [Fact]
    public void A_tiny_model_overfits_four_masks_and_the_evaluation_agrees_with_brute_force_IoU()
    {
        var sw = Stopwatch.StartNew();
        manual_seed(0);
        var samples = SegmentationScenes.Four();
        using var model = new SegmentationModel(SegmentationModelConfig.Miniature(numClasses: 4) with { DecoderChannels = 32 });
        using var batch = new BatchCollator().CollateTensors(samples);
        var opt = optim.Adam(model.parameters(), lr: 5e-3);
        model.train();
        float first = 0, last = 0;
        using var oneThread = new OneThread();
        try
        {
            for (int step = 0; step < 60; step++)
            {
                GcPause.AtSafePoint();
                using var scope = NewDisposeScope();
                opt.zero_grad();
                var loss = model.Losses(batch.Images, batch.Masks!)["loss"];
                loss.backward();
                opt.step();
                last = loss.item<float>();
                if (step == 0) first = last;
            }
        }
        finally { GcPause.End(); }
        output.WriteLine($"loss {first:F3} → {last:F3} in {sw.Elapsed.TotalSeconds:F1} s");

        // Brute-force oracle: arg-max of the model's logits on the same (already input-sized) images, IoU per class
        // over the pixels whose label is not 255.
        byte[] predicted;
        using (var noGrad = no_grad())
        {
            model.eval();
            predicted = model.call(batch.Images).argmax(1).to(ScalarType.Byte).data<byte>().ToArray();
            model.train();
        }
        var labels = samples.SelectMany(s => s.Mask!).ToArray();
        var iou = new List<double>();
        for (int c = 0; c < 4; c++)
        {
            long tp = 0, fp = 0, fn = 0;
            for (int i = 0; i < labels.Length; i++)
            {
                if (labels[i] == 255) continue;
                bool p = predicted[i] == c, l = labels[i] == c;
                if (p && l) tp++; else if (p) fp++; else if (l) fn++;
            }
            if (tp + fp + fn > 0) iou.Add((double)tp / (tp + fp + fn));
        }
        double oracle = iou.Average();
        output.WriteLine($"brute-force mIoU {oracle:F4}");
        Assert.True(oracle > 0.9, $"mIoU on the training masks only {oracle:F3}");

        var root = Path.Combine(Path.GetTempPath(), $"repro-seg-overfit-{Guid.NewGuid():N}");
        try
        {
            WriteVoc(root, "val", samples);
            var eval = SegmentationEvaluation.Evaluate(model, new VocSegmentationDataset(root, "val"), batchSize: 3);
            Assert.Equal(oracle, eval.Metrics.MeanIou, 12);
            Assert.Equal(labels.Count(l => l != 255), eval.Metrics.Pixels);   // ignore pixels are not counted
            Assert.Equal(4, eval.Images.Count);
            Assert.True(model.training, "evaluation must restore training mode");
        }
        finally { Directory.Delete(root, recursive: true); }
    }
}
