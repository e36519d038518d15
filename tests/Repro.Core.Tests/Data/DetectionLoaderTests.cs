using Repro.Core.Data;
using Repro.Core.Data.Batching;
using Repro.Core.Data.Images;
using Repro.Core.Data.Loading;

namespace Repro.Core.Tests.Data;

public class DetectionLoaderTests : TorchTestBase
{
    /// <summary>In-memory samples whose pixels and box encode the index; Get sleeps an index-dependent time so that
    /// background tasks finish out of order.</summary>
    sealed class SyntheticDataset(int count, int failAt = -1) : ILabelledImageSet
    {
        public int Count => count;
        public LabelledImage Get(int index)
        {
            if (index == failAt) throw new InvalidDataException($"sample {index} is broken");
            Thread.Sleep(index * 7 % 3);
            var img = new RgbImage(4 + index % 3, 4);
            Array.Fill(img.Pixels, (byte)index);
            return new LabelledImage { ImageId = 1000 + index, Image = img, Boxes = new[] { new BoxXyxy(index, 0, index + 2, 2) }, Labels = new[] { index % 5 } };
        }
    }

    /// <summary>An epoch-dependent "augmentation": shifts pixel values and boxes by the epoch.</summary>
    static LabelledImage Shift(LabelledImage s, int epoch)
    {
        var img = s.Image.Clone();
        for (int i = 0; i < img.Pixels.Length; i++) img.Pixels[i] = (byte)(img.Pixels[i] + epoch);
        return new LabelledImage
        {
            ImageId = s.ImageId, Image = img, Labels = s.Labels,
            Boxes = s.Boxes.Select(b => b with { Y1 = b.Y1 + epoch, Y2 = b.Y2 + epoch }).ToArray(),
        };
    }

    static readonly LoaderOptions Options = new() { BatchSize = 8, Seed = 42, Collate = new CollateOptions { Normalization = ImageNormalization.UnitRange } };

    static string Fingerprint(CollatedBatch b) =>
        $"{b.Step}/{b.Epoch}:{string.Join(",", b.ImageIds)}|{b.Height}x{b.Width}|{string.Join(",", b.Pixels)}|" +
        string.Join(";", b.Boxes.Select(x => string.Join(",", x))) + "|" + string.Join(";", b.Labels.Select(x => string.Join(",", x)));

    [Fact]
    public void Epochs_visit_distinct_samples_in_seeded_orders()
    {
        var loader = new DetectionLoader(new SyntheticDataset(37), Options, workers: 0);
        Assert.Equal(4, loader.BatchesPerEpoch); // 37 / 8, last partial batch dropped
        var e0 = loader.StreamCollated(0, 4).SelectMany(b => b.ImageIds).ToList();
        var e1 = loader.StreamCollated(4, 8).SelectMany(b => b.ImageIds).ToList();
        Assert.Equal(32, e0.Distinct().Count());
        Assert.Equal(32, e1.Distinct().Count());
        Assert.NotEqual(e0, e1);
        Assert.All(e0, id => Assert.InRange(id, 1000, 1036));
        // Without shuffling, epoch order is the identity.
        var plain = new DetectionLoader(new SyntheticDataset(37), Options with { Shuffle = false }, workers: 0);
        Assert.Equal(Enumerable.Range(1000, 8).Select(i => (long)i), plain.CollateAt(4).ImageIds);
        // Keeping the last batch: 5 batches, the last has 37 - 32 = 5 samples.
        var keep = new DetectionLoader(new SyntheticDataset(37), Options with { DropLast = false }, workers: 0);
        Assert.Equal(5, keep.BatchesPerEpoch);
        Assert.Equal(5, keep.CollateAt(4).BatchSize);
    }

    [Fact]
    public void Batches_do_not_depend_on_worker_count()
    {
        var ds = new SyntheticDataset(37);
        var reference = new DetectionLoader(ds, Options, Shift, workers: 0).StreamCollated(0, 10).Select(Fingerprint).ToList();
        foreach (var workers in new[] { 1, 2, 3 })
        {
            var got = new DetectionLoader(ds, Options, Shift, workers, prefetch: 5).StreamCollated(0, 10).Select(Fingerprint).ToList();
            Assert.Equal(reference, got);
        }
        // The transform saw the epoch: step 4 is epoch 1, its pixels are index + 1.
        var step4 = new DetectionLoader(ds, Options, Shift, workers: 0).CollateAt(4);
        Assert.Equal(1, step4.Epoch);
        Assert.Equal((step4.ImageIds[0] - 1000 + 1) / 255f, step4.Pixels[0], 5);
    }

    [Fact]
    public void Resuming_at_step_k_gives_the_streamed_batch()
    {
        var ds = new SyntheticDataset(37);
        var streamed = new DetectionLoader(ds, Options, Shift, workers: 2).StreamCollated(0, 9).Select(Fingerprint).ToList();
        var resumed = new DetectionLoader(ds, Options, Shift, workers: 2).StreamCollated(6, 9).Select(Fingerprint).ToList();
        Assert.Equal(streamed.Skip(6), resumed);
        Assert.Equal(streamed[7], Fingerprint(new DetectionLoader(ds, Options, Shift).CollateAt(7)));
        // Epoch(e) is steps [4e, 4e + 4).
        var loader = new DetectionLoader(ds, Options, Shift);
        var epoch1 = loader.Epoch(1).Select(b => { using (b) return (b.Step, b.Epoch, Ids: string.Join(",", b.ImageIds)); }).ToList();
        Assert.Equal(new long[] { 4, 5, 6, 7 }, epoch1.Select(x => x.Step));
        Assert.All(epoch1, x => Assert.Equal(1, x.Epoch));
        Assert.Equal(streamed[5].Split('|')[0].Split(':')[1], epoch1[1].Ids);
    }

    [Fact]
    public void Tensor_batches_have_the_collated_shapes()
    {
        var loader = new DetectionLoader(new SyntheticDataset(37), Options, workers: 1);
        using var b = loader.BatchAt(3);
        Assert.Equal(new long[] { 8, 3, 4, 6 }, b.Images.shape); // widths 4..6 → padded to 6
        Assert.Equal(8, b.Boxes.Count);
        Assert.Equal(new long[] { 1, 4 }, b.Boxes[0].shape);
    }

    [Fact]
    public void Stopping_early_and_worker_errors_are_clean()
    {
        var loader = new DetectionLoader(new SyntheticDataset(37), Options, workers: 2, prefetch: 4);
        Assert.Equal(2, loader.StreamCollated().Take(2).Count()); // endless stream, abandoned after 2
        var failing = new DetectionLoader(new SyntheticDataset(37, failAt: 5), Options with { Shuffle = false }, workers: 2);
        var e = Assert.Throws<InvalidDataException>(() => failing.StreamCollated(0, 4).ToList());
        Assert.Contains("sample 5", e.Message);
    }

    [Fact]
    public void Bad_configuration_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => new DetectionLoader(new SyntheticDataset(5), Options)); // batch 8 > 5 with drop-last
        Assert.Throws<ArgumentException>(() => new DetectionLoader(new SyntheticDataset(5), Options with { BatchSize = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DetectionLoader(new SyntheticDataset(9), Options, workers: -1));
    }

    [Fact]
    public void Options_serialize_deterministically_for_config_hashing()
    {
        var o = Options with { Collate = Options.Collate with { SizeDivisor = 128, FixedHeight = 64 } };
        var json = System.Text.Json.JsonSerializer.Serialize(o);
        var back = System.Text.Json.JsonSerializer.Deserialize<LoaderOptions>(json)!;
        Assert.Equal(json, System.Text.Json.JsonSerializer.Serialize(back));
        Assert.Equal(128, back.Collate.SizeDivisor);
        Assert.Equal(new[] { 0f, 0f, 0f }, back.Collate.Normalization.Mean);
        Assert.Contains("\"BatchSize\":8", json);
    }
}
