using Repro.Core.Augment;
using Repro.Core.Augment.Geometry;
using Repro.Core.Augment.Policies;
using Repro.Core.Data;
using Repro.Core.Data.Images;

namespace Repro.Core.Tests.Augment;

public class PolicyTests
{
    static readonly PolicyOps Ops = new(new AugmentMagnitudes());

    static LabelledImage Gradient()
    {
        var img = new RgbImage(16, 8);
        for (int i = 0; i < img.Pixels.Length; i++) img.Pixels[i] = (byte)(i * 5);
        return new LabelledImage { Image = img };
    }

    [Theory]
    [InlineData(2, false)]
    [InlineData(3, true)]
    public void RandAugment_applies_exactly_N_ops(int layers, bool inverted)
    {
        // With Invert as the only op, N applications invert the image iff N is odd.
        var ra = new RandAugmentPolicy(layers, 10, Ops, new[] { "Invert" });
        var s = Gradient();
        var outS = ra.Apply(s, new AugmentRng(1));
        var expected = inverted ? s.Image.Pixels.Select(v => (byte)(255 - v)).ToArray() : s.Image.Pixels;
        Assert.Equal(expected, outS.Image.Pixels);
    }

    [Fact]
    public void RandAugment_draws_ops_uniformly()
    {
        // Two ops, Invert and Brightness(level 0 → factor 0.1, distinguishable): each about half the time.
        var ra = new RandAugmentPolicy(1, 0, Ops, new[] { "Invert", "Brightness" });
        var s = Gradient();
        int inverted = 0;
        for (ulong seed = 0; seed < 400; seed++)
            if (ra.Apply(s, new AugmentRng(seed)).Image.Pixels[0] == 255) inverted++;
        Assert.InRange(inverted, 160, 240);
    }

    [Fact]
    public void Sub_policy_probabilities_gate_their_ops()
    {
        var s = Gradient();
        var never = AutoAugmentDetection.Build("t", new[] { new[] { ("Invert", 0.0, 0.0) } }, Ops);
        var always = AutoAugmentDetection.Build("t", new[] { new[] { ("Invert", 1.0, 0.0) } }, Ops);
        var half = AutoAugmentDetection.Build("t", new[] { new[] { ("Invert", 0.5, 0.0) } }, Ops);
        Assert.Equal(s.Image.Pixels, never.Apply(s, new AugmentRng(0)).Image.Pixels);
        Assert.Equal(255, always.Apply(s, new AugmentRng(0)).Image.Pixels[0]);
        int applied = Enumerable.Range(0, 400).Count(i => half.Apply(s, new AugmentRng((ulong)i)).Image.Pixels[0] == 255);
        Assert.InRange(applied, 160, 240);
    }

    [Fact]
    public void Box_only_ops_hit_each_box_with_a_third_of_the_policy_probability()
    {
        // 48 separate 4×4 boxes; Solarize_Only_BBoxes at policy probability 0.6 → 0.2 per box.
        var img = new RgbImage(64, 48);
        Array.Fill(img.Pixels, (byte)200);
        var boxes = new List<BoxXyxy>();
        for (int y = 0; y < 6; y++)
            for (int x = 0; x < 8; x++) boxes.Add(new BoxXyxy(x * 8 + 2, y * 8 + 2, x * 8 + 6, y * 8 + 6));
        var s = new LabelledImage { Image = img, Boxes = boxes.ToArray(), Labels = new int[boxes.Count] };
        var step = Ops.Create("Solarize_Only_BBoxes", 0.6, 5);
        Assert.Equal(1.0, step.Probability);
        int hit = 0, trials = 0;
        for (ulong seed = 0; seed < 10; seed++)
        {
            var outS = step.Op.Apply(s, new AugmentRng(seed));
            foreach (var b in boxes)
            {
                trials++;
                if (outS.Image.Pixels[outS.Image.Offset((int)b.X1, (int)b.Y1)] != 200) hit++;
            }
        }
        // Expected 0.2 × 480 = 96, standard deviation ≈ 8.8.
        Assert.InRange(hit, 66, 126);
    }
}
