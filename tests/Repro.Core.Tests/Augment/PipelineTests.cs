using System.Text.Json;
using Repro.Core.Augment;
using Repro.Core.Augment.Classification;
using Repro.Core.Augment.Geometry;
using Repro.Core.Augment.Policies;
using Repro.Core.Data;
using Repro.Core.Data.Images;

namespace Repro.Core.Tests.Augment;

public class PipelineTests
{
    static LabelledImage Scene(long id = 7)
    {
        var s = Scenes.Rects(64, 64, (4, 6, 30, 28), (36, 30, 60, 60), (10, 40, 20, 52));
        // Texture, so colour ops and resampling have something to act on.
        for (int i = 0; i < s.Image.Pixels.Length; i += 7) s.Image.Pixels[i] = (byte)(i * 13);
        return new LabelledImage { ImageId = id, Image = s.Image, Boxes = s.Boxes, Labels = s.Labels, Mask = s.Mask };
    }

    static readonly AugmentConfig[] Levels = { AugmentConfig.S1(), AugmentConfig.S2(), AugmentConfig.S3(), AugmentConfig.S4() };

    [Fact]
    public void Same_seed_epoch_and_id_give_identical_bytes_and_other_epochs_differ()
    {
        foreach (var cfg in Levels)
        {
            var p = AugmentPipeline.FromConfig(cfg);
            var a = p.Apply(Scene(), 3, 1);
            var b = AugmentPipeline.FromConfig(cfg).Apply(Scene(), 3, 1);
            Scenes.AssertSame(a, b);
            int differentEpochs = Enumerable.Range(2, 4).Count(e => !p.Apply(Scene(), 3, e).Image.Pixels.SequenceEqual(a.Image.Pixels));
            Assert.True(differentEpochs >= 3, $"{cfg.Level}: only {differentEpochs}/4 other epochs differ");
            Assert.False(p.Apply(Scene(8), 3, 1).Image.Pixels.SequenceEqual(a.Image.Pixels), $"{cfg.Level}: other image id gives the same result");
            Assert.False(p.Apply(Scene(), 4, 1).Image.Pixels.SequenceEqual(a.Image.Pixels), $"{cfg.Level}: other seed gives the same result");
        }
    }

    [Fact]
    public void Result_does_not_depend_on_order_or_threads()
    {
        var p = AugmentPipeline.FromConfig(AugmentConfig.S4());
        var ids = Enumerable.Range(0, 24).ToArray();
        var sequential = ids.Select(i => p.Apply(Scene(i), 1, 2)).ToArray();
        var parallel = new LabelledImage[ids.Length];
        Parallel.ForEach(ids.Reverse(), i => parallel[i] = p.Apply(Scene(i), 1, 2));
        var batch = p.ApplyAll(ids.Select(i => Scene(i)).ToArray(), 1, 2, maxParallelism: 4);
        for (int i = 0; i < ids.Length; i++)
        {
            Scenes.AssertSame(sequential[i], parallel[i]);
            Scenes.AssertSame(sequential[i], batch[i]);
        }
    }

    [Fact]
    public void Rng_streams_are_uniform_enough_and_keyed_by_all_three_inputs()
    {
        Assert.NotEqual(AugmentRng.Hash(1, 2, 3), AugmentRng.Hash(1, 3, 2));
        Assert.NotEqual(AugmentRng.Hash(1, 2, 3), AugmentRng.Hash(2, 1, 3));
        var rng = AugmentRng.ForSample(0, 0, 0);
        var counts = new int[10];
        for (int i = 0; i < 100_000; i++) counts[rng.NextInt(10)]++;
        Assert.All(counts, c => Assert.InRange(c, 9_500, 10_500));
    }

    public static IEnumerable<object[]> EveryOp()
    {
        foreach (var n in PolicyOps.Names) yield return new object[] { n };
        yield return new object[] { "HorizontalFlip" };
        yield return new object[] { "ScaleJitterCrop" };
        yield return new object[] { "RandomResizedCrop" };
        yield return new object[] { "S2" };
        yield return new object[] { "S4" };
    }

    [Theory]
    [MemberData(nameof(EveryOp))]
    public void Ops_do_not_mutate_their_input(string name)
    {
        Func<LabelledImage, AugmentRng, LabelledImage> op = name switch
        {
            "HorizontalFlip" => new HorizontalFlip().Apply,
            "ScaleJitterCrop" => new ScaleJitterCrop(48, 0.5, 2).Apply,
            "RandomResizedCrop" => new RandomResizedCrop(32).Apply,
            "S2" => AugmentPipeline.FromConfig(AugmentConfig.S2()).Apply,
            "S4" => AugmentPipeline.FromConfig(AugmentConfig.S4()).Apply,
            _ => new PolicyOps(new AugmentMagnitudes()).Create(name, 1, 8).Op.Apply,
        };
        for (int seed = 0; seed < 5; seed++)
        {
            var input = Scene();
            var before = Scenes.DeepCopy(input);
            op(input, new AugmentRng((ulong)seed));
            Scenes.AssertSame(before, input);
        }
    }

    [Fact]
    public void Each_level_contains_exactly_its_ops()
    {
        var s1 = AugmentPipeline.FromConfig(AugmentConfig.S1(64)).Ops;
        Assert.Equal(2, s1.Count);
        Assert.IsType<HorizontalFlip>(Assert.IsType<RandomApply>(s1[0]).Op);
        Assert.Equal(0.5, ((RandomApply)s1[0]).Probability);
        var j1 = Assert.IsType<ScaleJitterCrop>(s1[1]);
        Assert.Equal((0.8, 1.2, 64), (j1.MinScale, j1.MaxScale, j1.OutputSize));

        var s2 = AugmentPipeline.FromConfig(AugmentConfig.S2(640)).Ops;
        Assert.Equal(3, s2.Count);
        AssertPolicyV0(Assert.IsType<AutoAugmentPolicy>(s2[0]));
        var j2 = Assert.IsType<ScaleJitterCrop>(s2[2]);
        Assert.Equal((0.8, 1.2, 640), (j2.MinScale, j2.MaxScale, j2.OutputSize));

        var s3 = AugmentPipeline.FromConfig(AugmentConfig.S3(64)).Ops;
        AssertPolicyV0(Assert.IsType<AutoAugmentPolicy>(s3[0]));
        var j3 = Assert.IsType<ScaleJitterCrop>(s3[2]);
        Assert.Equal((0.5, 2.0), (j3.MinScale, j3.MaxScale));
        Assert.Equal((0.1, 2.0), (AugmentConfig.S3(64, 0.1).ScaleMin, AugmentConfig.S3(64, 0.1).ScaleMax));

        var s4 = AugmentPipeline.FromConfig(AugmentConfig.S4(64)).Ops;
        Assert.Equal(3, s4.Count);
        var ra = Assert.IsType<RandAugmentPolicy>(s4[0]);
        Assert.Equal((2, 10.0), (ra.Layers, ra.Magnitude));
        Assert.Equal(RandAugmentPolicy.DetectionOpNames, ra.Ops.Select(o => o.Name));
        Assert.Contains("Rotate_BBox", ra.Ops.Select(o => o.Name));
        var j4 = Assert.IsType<ScaleJitterCrop>(s4[2]);
        Assert.Equal((0.5, 2.0), (j4.MinScale, j4.MaxScale));

        Assert.DoesNotContain(s1, o => o is AutoAugmentPolicy or RandAugmentPolicy);
        Assert.DoesNotContain(s2.Concat(s3), o => o is RandAugmentPolicy);
        Assert.DoesNotContain(s4, o => o is AutoAugmentPolicy);
    }

    static void AssertPolicyV0(AutoAugmentPolicy p)
    {
        // The published v0: names, probabilities (box-only ops: always invoked, probability / 3 per box).
        var expected = new[]
        {
            new[] { ("TranslateX_BBox", 0.6), ("Equalize", 0.8) },
            new[] { ("TranslateY_Only_BBoxes", 0.2 / 3), ("Cutout", 0.8) },
            new[] { ("Sharpness", 0.0), ("ShearX_BBox", 0.4) },
            new[] { ("ShearY_BBox", 1.0), ("TranslateY_Only_BBoxes", 0.6 / 3) },
            new[] { ("Rotate_BBox", 0.6), ("Color", 1.0) },
        };
        Assert.Equal(5, p.SubPolicies.Count);
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(2, p.SubPolicies[i].Count);
            for (int k = 0; k < 2; k++)
            {
                var step = p.SubPolicies[i][k];
                Assert.Equal(expected[i][k].Item1, step.Op.Name);
                double prob = step.Op is OnlyBoxes ob ? ob.PerBoxProbability : step.Probability;
                Assert.Equal(expected[i][k].Item2, prob, 9);
            }
        }
        // Level 10 rotation = ±30°, level 6 colour = factor 0.1 + 0.6·1.8 = 1.18.
        Assert.Equal(1.18, ((Repro.Core.Augment.Color.ColorBalance)p.SubPolicies[4][1].Op).Factor, 9);
    }

    [Fact]
    public void Config_round_trips_through_json_with_readable_policy()
    {
        var cfg = AugmentConfig.S4(128, 0.1, 2.0, layers: 3, magnitude: 15) with { MinBoxSize = 2 };
        var json = JsonSerializer.Serialize(cfg);
        Assert.Contains("\"RandAugment\"", json);
        var back = JsonSerializer.Deserialize<AugmentConfig>(json)!;
        Assert.Equal(cfg, back);
        Assert.Equal(json, JsonSerializer.Serialize(back));
        Assert.Equal(AugmentConfig.S3(64), AugmentConfig.ForLevel(AugmentLevel.S3));
        Assert.Contains("\"Level\":\"S4\"", json);
    }

    [Fact]
    public void Bad_config_and_samples_give_errors_naming_the_field()
    {
        Assert.Contains("ScaleMax", Assert.Throws<ArgumentException>(() => AugmentPipeline.FromConfig(AugmentConfig.S1() with { ScaleMax = 0.1 })).Message);
        Assert.Contains("OutputSize", Assert.Throws<ArgumentException>(() => AugmentPipeline.FromConfig(AugmentConfig.S1() with { OutputSize = 0 })).Message);
        Assert.Contains("FlipProbability", Assert.Throws<ArgumentException>(() => AugmentPipeline.FromConfig(AugmentConfig.S1() with { FlipProbability = 2 })).Message);
        Assert.Contains("Magnitudes.Shear", Assert.Throws<ArgumentException>(() =>
            AugmentPipeline.FromConfig(AugmentConfig.S2() with { Magnitudes = new AugmentMagnitudes { Shear = -1 } })).Message);
        Assert.Contains("S7", Assert.Throws<ArgumentException>(() => AugmentLevels.Parse("S7")).Message);
        Assert.Throws<ArgumentException>(() => AugmentLevels.Parse("2"));
        Assert.Equal(AugmentLevel.S3, AugmentLevels.Parse("s3"));
        Assert.Contains("Level", Assert.Throws<ArgumentException>(() => AugmentPipeline.FromConfig(AugmentConfig.S1() with { Level = (AugmentLevel)7 })).Message);
        Assert.Contains("Bogus_Op", Assert.Throws<ArgumentException>(() => new PolicyOps(new AugmentMagnitudes()).Create("Bogus_Op", 1, 1)).Message);
        var bad = new LabelledImage { Image = new RgbImage(4, 4), Boxes = new[] { new BoxXyxy(0, 0, 1, 1) } };
        Assert.Contains("labels", Assert.Throws<ArgumentException>(() => AugmentPipeline.FromConfig(AugmentConfig.S1()).Apply(bad, 0, 0)).Message);
    }

    [Fact]
    public void Pipeline_output_has_the_configured_size_and_boxes_inside_it()
    {
        foreach (var cfg in Levels.Select(c => c with { OutputSize = 48, MinBoxSize = 2 }))
        {
            var p = AugmentPipeline.FromConfig(cfg);
            for (int e = 0; e < 20; e++)
            {
                var a = p.Apply(Scene(), 0, e);
                Assert.Equal((48, 48), (a.Image.Width, a.Image.Height));
                Assert.Equal(48 * 48, a.Mask!.Length);
                Assert.Equal(a.Boxes.Length, a.Labels.Length);
                Assert.All(a.Boxes, b => Assert.True(b.X1 >= 0 && b.Y1 >= 0 && b.X2 <= 48 && b.Y2 <= 48 && b.Width >= 2 && b.Height >= 2, $"{cfg.Level} box {b}"));
            }
        }
    }

    [Fact]
    public void Classification_pipeline_is_deterministic_and_sized()
    {
        foreach (var policy in Enum.GetValues<ClassificationPolicy>())
        {
            var p = ClassificationAugmentPipeline.FromConfig(new ClassificationAugmentConfig { OutputSize = 24, Policy = policy });
            var img = Scene().Image;
            var a = p.Apply(img, 1, 0, 5);
            Assert.Equal((24, 24), (a.Width, a.Height));
            Assert.Equal(a.Pixels, p.Apply(img, 1, 0, 5).Pixels);
            Assert.NotEqual(a.Pixels, p.Apply(img, 1, 1, 5).Pixels);
        }
        var aa = ClassificationAugmentPipeline.FromConfig(new ClassificationAugmentConfig { Policy = ClassificationPolicy.AutoAugmentImageNet });
        Assert.Equal(25, Assert.IsType<AutoAugmentPolicy>(aa.Ops[^1]).SubPolicies.Count);
    }

    [Fact]
    public void Random_resized_crop_window_respects_area_and_ratio()
    {
        var rrc = new RandomResizedCrop(32, 0.25, 0.5, 0.5, 2.0);
        var rng = new AugmentRng(9);
        for (int i = 0; i < 200; i++)
        {
            var (x, y, w, h) = rrc.SampleWindow(100, 80, rng);
            Assert.True(x >= 0 && y >= 0 && x + w <= 100 && y + h <= 80, $"window {x},{y},{w},{h}");
            double area = w * h / 8000.0, ratio = (double)w / h;
            Assert.InRange(area, 0.23, 0.52);
            Assert.InRange(ratio, 0.45, 2.2);
        }
    }

    [Fact]
    public void Preview_writes_a_png_grid()
    {
        var path = Path.Combine(Path.GetTempPath(), $"aug-preview-{Guid.NewGuid():N}.png");
        try
        {
            AugmentPreview.Save(AugmentConfig.S4(), new[] { Scene(1), Scene(2) }, 0, path, versions: 3, scale: 1);
            var img = ImageIO.Load(path);
            // 4 columns × 2 rows of 64-px tiles with 4-px gaps and captions.
            Assert.Equal(4 * (64 + 4) + 4, img.Width);
            Assert.True(img.Height > 2 * 64);
        }
        finally { File.Delete(path); }
    }
}
