using Repro.Core.Data;
using Repro.Core.Data.Images;
using Repro.Core.Regimes.Segmentation;
using static TorchSharp.torch;

namespace Repro.Core.Tests.Regimes.Segmentation;

public class SegmentationInferenceTests : TorchTestBase
{
    [Fact]
    public void Full_resolution_uses_only_the_images_region_of_the_canvas_and_resizes_it_to_the_image()
    {
        // An 8×6 (W×H) image at scale 0.5 occupies the top-left 4×3 of an 8×8 canvas. In that region class 1 wins in
        // columns 0–1 and class 0 in columns 2–3; the rest of the canvas says class 1 loudly and must not leak in.
        var v = new float[2 * 8 * 8];
        for (int y = 0; y < 8; y++)
            for (int x = 0; x < 8; x++)
            {
                bool inside = y < 3 && x < 4;
                v[8 * 8 + y * 8 + x] = !inside ? 100f : x < 2 ? 5f : 0f;   // class 1
                v[y * 8 + x] = inside && x >= 2 ? 5f : 0f;                  // class 0
            }
        var logits = tensor(v, new long[] { 2, 8, 8 });
        var probs = SegmentationInference.FullResolution(logits, height: 6, width: 8, scale: 0.5);
        Assert.Equal(new long[] { 2, 6, 8 }, probs.shape);
        Assert.True(probs.sum(new long[] { 0 }).sub(1f).abs().max().item<float>() < 1e-6);
        // Bilinear 4 → 8 columns (half-pixel centres): output column x samples source (x + 0.5)/2 − 0.5, so columns
        // 0–3 lean to class 1 and 4–7 to class 0, on every row.
        var arg = probs.argmax(0).data<long>().ToArray();
        for (int y = 0; y < 6; y++)
            for (int x = 0; x < 8; x++)
                Assert.Equal(x < 4 ? 1 : 0, arg[y * 8 + x]);
    }

    [Fact]
    public void Dataset_view_concatenates_chosen_samples_and_renumbers_their_ids()
    {
        var a = new ListDataset(3, 0);
        var b = new ListDataset(2, 10);
        var view = new DatasetView((a, new[] { 2, 0 }), (b, DatasetView.All(b)));
        Assert.Equal(4, view.Count);
        Assert.Equal(new long[] { 0, 1, 2, 3 }, Enumerable.Range(0, 4).Select(i => view.Get(i).ImageId));
        Assert.Equal(new byte[] { 2, 0, 10, 11 }, Enumerable.Range(0, 4).Select(i => view.Get(i).Mask![0]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DatasetView((a, new[] { 3 })));
    }

    /// <summary>n 1×1 samples whose mask value is offset + index.</summary>
    sealed class ListDataset(int n, int offset) : ILabelledImageSet
    {
        public int Count => n;
        public LabelledImage Get(int index) => new() { ImageId = 99, Image = new RgbImage(1, 1), Mask = new[] { (byte)(offset + index) } };
    }
}
