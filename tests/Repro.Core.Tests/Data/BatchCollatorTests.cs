using Repro.Core.Data;
using Repro.Core.Data.Batching;
using Repro.Core.Data.Images;
using static TorchSharp.torch;

namespace Repro.Core.Tests.Data;

public class BatchCollatorTests : TorchTestBase
{
    static LabelledImage Sample(int w, int h, byte fill, BoxXyxy[]? boxes = null, int[]? labels = null, byte[]? mask = null, long id = 0)
    {
        var img = new RgbImage(w, h);
        for (int i = 0; i < w * h; i++) { img.Pixels[3 * i] = fill; img.Pixels[3 * i + 1] = (byte)(fill / 2); img.Pixels[3 * i + 2] = 255; }
        return new LabelledImage { ImageId = id, Image = img, Boxes = boxes ?? Array.Empty<BoxXyxy>(), Labels = labels ?? Array.Empty<int>(), Mask = mask };
    }

    static readonly ImageNormalization Norm = new() { Mean = new[] { 0.5f, 0.5f, 0f }, Std = new[] { 0.5f, 0.25f, 2f } };

    [Fact]
    public void Pads_to_batch_max_and_normalises_by_hand()
    {
        using var scope = NewDisposeScope();
        // A: 3 wide x 2 high, B: 2 wide x 3 high → batch 3x3.
        var a = Sample(3, 2, 204, new[] { new BoxXyxy(0, 0, 2, 1), new BoxXyxy(1, 0, 3, 2) }, new[] { 4, 0 }, id: 10);
        var b = Sample(2, 3, 51, id: 11);
        var c = new BatchCollator(new CollateOptions { Normalization = Norm });
        using var batch = c.CollateTensors(new[] { a, b });

        Assert.Equal(new long[] { 2, 3, 3, 3 }, batch.Images.shape);
        Assert.Equal(ScalarType.Float32, batch.Images.dtype);
        var px = batch.Images.data<float>().ToArray();
        float At(int n, int ch, int y, int x) => px[((n * 3 + ch) * 3 + y) * 3 + x];
        // R 204: (0.8 - 0.5) / 0.5 = 0.6; G 102: (0.4 - 0.5) / 0.25 = -0.4; B 255: (1 - 0) / 2 = 0.5.
        Assert.Equal(0.6f, At(0, 0, 1, 2), 5);
        Assert.Equal(-0.4f, At(0, 1, 0, 0), 5);
        Assert.Equal(0.5f, At(0, 2, 1, 1), 5);
        Assert.Equal(0f, At(0, 0, 2, 0)); // padding row of A
        // R 51: (0.2 - 0.5) / 0.5 = -0.6; G 25: (25/255 - 0.5) / 0.25.
        Assert.Equal(-0.6f, At(1, 0, 2, 1), 5);
        Assert.Equal((25 / 255f - 0.5f) / 0.25f, At(1, 1, 0, 0), 5);
        Assert.Equal(0f, At(1, 2, 0, 2)); // padding column of B
        // Count of non-padding values: A 3*2*3 + B 2*3*3, everything else exactly zero.
        Assert.Equal(36, px.Count(v => v != 0));

        Assert.Equal(new long[] { 2, 4 }, batch.Boxes[0].shape);
        Assert.Equal(new float[] { 0, 0, 2, 1, 1, 0, 3, 2 }, batch.Boxes[0].data<float>().ToArray());
        Assert.Equal(ScalarType.Int64, batch.Labels[0].dtype);
        Assert.Equal(new long[] { 4, 0 }, batch.Labels[0].data<long>().ToArray());
        Assert.Equal(new long[] { 0, 4 }, batch.Boxes[1].shape);
        Assert.Equal(new long[] { 0 }, batch.Labels[1].shape);
        Assert.Null(batch.Masks);
        Assert.Equal(new long[] { 10, 11 }, batch.ImageIds);
        Assert.Equal(new[] { new ImageSize(2, 3), new ImageSize(3, 2) }, batch.ImageSizes);
    }

    [Fact]
    public void Default_normalisation_is_imagenet_statistics()
    {
        var host = new BatchCollator().Collate(new[] { Sample(1, 1, 0) });
        // R 0 → -0.485/0.229, B 255 → (1 - 0.406)/0.225.
        Assert.Equal(-0.485f / 0.229f, host.Pixels[0], 5);
        Assert.Equal((1 - 0.406f) / 0.225f, host.Pixels[2], 5);
    }

    [Fact]
    public void Size_divisor_and_fixed_size_pad_further()
    {
        var s = Sample(5, 3, 10);
        var div = new BatchCollator(new CollateOptions { SizeDivisor = 4 }).Collate(new[] { s });
        Assert.Equal((4, 8), (div.Height, div.Width));
        var fix = new BatchCollator(new CollateOptions { FixedHeight = 6, FixedWidth = 7 }).Collate(new[] { s });
        Assert.Equal((6, 7), (fix.Height, fix.Width));
        Assert.Equal(3 * 6 * 7, fix.Pixels.Length);
        var e = Assert.Throws<ArgumentException>(() => new BatchCollator(new CollateOptions { FixedHeight = 2, FixedWidth = 7 }).Collate(new[] { s }));
        Assert.Contains("fixed batch size", e.Message);
    }

    [Fact]
    public void Masks_are_int64_padded_with_ignore()
    {
        using var scope = NewDisposeScope();
        var a = Sample(2, 1, 0, mask: new byte[] { 3, 255 });
        var b = Sample(1, 2, 0, mask: new byte[] { 0, 7 });
        using var batch = new BatchCollator().CollateTensors(new[] { a, b });
        Assert.Equal(new long[] { 2, 2, 2 }, batch.Masks!.shape);
        Assert.Equal(ScalarType.Int64, batch.Masks.dtype);
        Assert.Equal(new long[] { 3, 255, 255, 255, 0, 255, 7, 255 }, batch.Masks.data<long>().ToArray());
    }

    [Fact]
    public void Inconsistent_batches_are_rejected()
    {
        var c = new BatchCollator();
        Assert.Throws<ArgumentException>(() => c.Collate(Array.Empty<LabelledImage>()));
        var e = Assert.Throws<ArgumentException>(() => c.Collate(new[] { Sample(1, 1, 0, mask: new byte[1]), Sample(1, 1, 0) }));
        Assert.Contains("sample 1", e.Message);
        Assert.Throws<ArgumentException>(() => c.Collate(new[] { Sample(1, 1, 0, new[] { new BoxXyxy(0, 0, 1, 1) }) }));
        Assert.Throws<ArgumentException>(() => new BatchCollator(new CollateOptions { Normalization = new ImageNormalization { Std = new[] { 1f, 0f, 1f } } }));
    }
}
