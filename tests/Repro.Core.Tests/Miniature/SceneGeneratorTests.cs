using Repro.Core.Data.Miniature;

namespace Repro.Core.Tests.Miniature;

/// <summary>Properties every generated scene must have, checked by brute force over many scenes.</summary>
public class SceneGeneratorTests
{
    static readonly MiniatureConfig Config = TestMiniature.Config;
    static readonly SceneGenerator Generator = new(Config);

    public static IEnumerable<object[]> Streams() =>
        new[] { MiniatureStream.DetectionTrain, MiniatureStream.Unlabeled, MiniatureStream.SegmentationVal }.Select(s => new object[] { s });

    [Theory]
    [MemberData(nameof(Streams))]
    public void Scenes_respect_counts_overlap_visibility_and_paint_what_the_instance_map_says(MiniatureStream stream)
    {
        int size = Config.ImageSize;
        for (int i = 0; i < 60; i++)
        {
            var scene = Generator.DetectionScene(stream, i);
            Assert.InRange(scene.Objects.Count, 1, Config.MaxObjects);
            for (int a = 0; a < scene.Objects.Count; a++)
            {
                var o = scene.Objects[a];
                // Brute force over the whole image: full extent from the geometry, visible pixels from the instance map.
                int full = 0, visible = 0;
                for (int y = 0; y < size; y++)
                    for (int x = 0; x < size; x++)
                    {
                        bool covers = o.Placement.CoversPixel(x, y);
                        if (covers) full++;
                        if (scene.Instance[y * size + x] != a + 1) continue;
                        visible++;
                        Assert.True(covers, $"scene {i}: pixel ({x},{y}) shows object {a} outside its shape");
                        var c = o.Texture.ColourAt(x, y);
                        int off = (y * size + x) * 3;
                        Assert.Equal((c.R, c.G, c.B), (scene.Image.Pixels[off], scene.Image.Pixels[off + 1], scene.Image.Pixels[off + 2]));
                    }
                Assert.Equal(visible, o.VisibleArea);
                Assert.True(visible >= Config.MinVisibleFraction * full, $"scene {i} object {a}: {visible} of {full} pixels visible");
                for (int b = a + 1; b < scene.Objects.Count; b++)
                    Assert.True(Iou(o.Box, scene.Objects[b].Box) <= Config.MaxOverlapIou + 1e-9, $"scene {i}: objects {a},{b} overlap too much");
            }
        }
    }

    [Fact]
    public void Object_colours_keep_their_contrast_against_the_background()
    {
        // Background pixels within a few pixels of each object have the gradient's colour ± noise and lines: every
        // object pixel must differ from its nearest background pixel by a clear margin.
        int size = Config.ImageSize, weak = 0, total = 0;
        for (int i = 0; i < 30; i++)
        {
            var s = Generator.DetectionScene(MiniatureStream.DetectionVal, i);
            for (int y = 0; y < size; y++)
                for (int x = 1; x < size; x++)
                {
                    int p = y * size + x, q = p - 1;
                    if ((s.Instance[p] == 0) == (s.Instance[q] == 0)) continue; // only object/background edges
                    total++;
                    int d = 0;
                    for (int c = 0; c < 3; c++) d += Math.Abs(s.Image.Pixels[3 * p + c] - s.Image.Pixels[3 * q + c]);
                    if (d < 50) weak++;
                }
        }
        Assert.True(total > 100);
        Assert.True(weak <= total / 50, $"{weak} of {total} object/background edges have contrast < 50");
    }

    [Fact]
    public void An_item_does_not_depend_on_what_was_generated_before()
    {
        var first = Generator.DetectionScene(MiniatureStream.DetectionTrain, 5).Image.Pixels;
        for (int i = 0; i < 5; i++) Generator.DetectionScene(MiniatureStream.DetectionTrain, i);
        Assert.Equal(first, new SceneGenerator(Config).DetectionScene(MiniatureStream.DetectionTrain, 5).Image.Pixels);
        Assert.NotEqual(first, Generator.DetectionScene(MiniatureStream.DetectionVal, 5).Image.Pixels);
    }

    [Fact]
    public void Classification_images_have_one_large_labelled_object_on_top_of_small_distractors()
    {
        for (int cls = 0; cls < ShapeCatalog.ClassificationClasses.Count; cls++)
            for (int i = 0; i < 4; i++)
            {
                var s = Generator.ClassificationScene(MiniatureStream.ClassificationTrain, cls, i);
                var labelled = s.Objects.Where(o => o.Label >= 0).ToList();
                Assert.Single(labelled);
                Assert.Equal(cls, labelled[0].Label);
                Assert.Equal(ShapeCatalog.ClassificationClasses[cls].Shape, labelled[0].Placement.Shape);
                if (ShapeCatalog.ClassificationClasses[cls].Texture is { } t) Assert.Equal(t, labelled[0].Texture.Kind);
                Assert.True(s.Objects.Where(o => o.Label < 0).All(d => d.VisibleArea < labelled[0].VisibleArea),
                            $"class {cls} item {i}: a distractor is larger than the labelled object");
                Assert.True(s.Objects.Count - 1 <= Config.ClassificationMaxDistractors);
            }
    }

    [Fact]
    public void Label_map_marks_a_one_pixel_band_behind_each_boundary_as_ignore()
    {
        var s = Generator.DetectionScene(MiniatureStream.SegmentationTrainAug, 3);
        int w = s.Image.Width;
        var plain = s.LabelMap(ignoreBoundaries: false);
        var voc = s.LabelMap(ignoreBoundaries: true);
        for (int i = 0; i < plain.Length; i++)
        {
            int expect = s.Instance[i] == 0 ? 0 : s.Objects[s.Instance[i] - 1].Label + 1;
            Assert.Equal(expect, plain[i]);
            int x = i % w, y = i / w;
            // Oracle: ignore exactly where a 4-neighbour with another label is drawn in front.
            bool front = new[] { (x - 1, y), (x + 1, y), (x, y - 1), (x, y + 1) }.Any(n =>
                n.Item1 >= 0 && n.Item2 >= 0 && n.Item1 < w && n.Item2 < s.Image.Height &&
                plain[n.Item2 * w + n.Item1] != plain[i] && s.Instance[n.Item2 * w + n.Item1] > s.Instance[i]);
            Assert.Equal(front ? (byte)255 : plain[i], voc[i]);
        }
        Assert.Contains((byte)255, voc);
    }

    static double Iou((int X0, int Y0, int X1, int Y1) a, (int X0, int Y0, int X1, int Y1) b)
    {
        double iw = Math.Max(0, Math.Min(a.X1, b.X1) - Math.Max(a.X0, b.X0)), ih = Math.Max(0, Math.Min(a.Y1, b.Y1) - Math.Max(a.Y0, b.Y0));
        double inter = iw * ih;
        return inter / ((a.X1 - a.X0) * (a.Y1 - a.Y0) + (b.X1 - b.X0) * (b.Y1 - b.Y0) - inter);
    }
}

/// <summary>MiniatureConfig.MaxRotationDegrees: bounds every object's rotation, and leaves presets without it unnamed by it.</summary>
public class SceneRotationTests
{
    /// <summary>Every object's rotation, in degrees, over 80 detection scenes of <paramref name="config"/>.</summary>
    static List<double> AnglesOf(MiniatureConfig config)
    {
        var generator = new SceneGenerator(config);
        return Enumerable.Range(0, 80).SelectMany(i => generator.DetectionScene(MiniatureStream.DetectionTrain, i).Objects)
                         .Select(o => o.Placement.Rotation * 180 / Math.PI).ToList();
    }

    [Fact]
    public void Rotation_stays_within_the_bound_and_spans_it()
    {
        var angles = AnglesOf(TestMiniature.Config with { MaxRotationDegrees = 15 });
        Assert.All(angles, a => Assert.InRange(a, -15, 15));
        Assert.True(angles.Min() < -10 && angles.Max() > 10, $"rotations span [{angles.Min():F1}, {angles.Max():F1}] only");
    }

    [Fact]
    public void Without_a_bound_objects_take_any_angle_and_the_config_json_is_unchanged()
    {
        var angles = AnglesOf(TestMiniature.Config with { MaxRotationDegrees = null });
        Assert.True(angles.Max() - angles.Min() > 300, $"rotations span [{angles.Min():F1}, {angles.Max():F1}] only");
        Assert.DoesNotContain(nameof(MiniatureConfig.MaxRotationDegrees), System.Text.Json.JsonSerializer.Serialize(MiniatureConfig.Smoke));
        Assert.Contains(nameof(MiniatureConfig.MaxRotationDegrees), System.Text.Json.JsonSerializer.Serialize(MiniatureConfig.Smoke with { MaxRotationDegrees = 0 }));
    }

    [Fact]
    public void A_bound_outside_0_to_180_is_refused_naming_the_field()
    {
        var e = Assert.Throws<ArgumentException>(() => (TestMiniature.Config with { MaxRotationDegrees = 200 }).Validate());
        Assert.Contains("MaxRotationDegrees", e.Message);
    }
}
