using Repro.Core.Data.Images;

namespace Repro.Core.Data.Miniature;

/// <summary>
/// Draws scenes: detection-like scenes (several detection shapes on a clean background; used for detection,
/// unlabeled and segmentation data) and classification images (one dominant object of a classification class plus a
/// few small distractors). Placement bounds occlusion (box IoU ≤ <see cref="MiniatureConfig.MaxOverlapIou"/>, every
/// object keeps ≥ <see cref="MiniatureConfig.MinVisibleFraction"/> of itself visible) and truncation.
/// </summary>
public sealed class SceneGenerator
{
    const int MinInImagePixels = 8;   // an object must show at least this many pixels
    const int StripeMinPeriod = 3, StripeMaxPeriod = 7;
    const int NoiseMinAmplitude = 14, NoiseMaxAmplitude = 30;
    readonly MiniatureConfig _config;

    public SceneGenerator(MiniatureConfig config)
    {
        config.Validate();
        _config = config;
    }

    /// <summary>The detection-like scene of item <paramref name="index"/> of <paramref name="stream"/>.</summary>
    public Scene DetectionScene(MiniatureStream stream, int index)
    {
        var rng = new ItemRandom(_config.Seed, stream, index);
        int size = _config.ImageSize;
        var bg = SceneBackground.Render(rng, size, _config.BackgroundNoise, _config.MaxClutterLines);
        var layout = new Layout(size, _config);
        int n = rng.Next(_config.MinObjects, _config.MaxObjects + 1);
        for (int k = 0; k < n; k++)
        {
            int label = rng.Next(0, ShapeCatalog.DetectionShapes.Count);
            var shape = ShapeCatalog.DetectionShapes[label];
            var texture = SampleTexture(rng, bg, SampleTextureKind(rng), saturated: false);
            layout.TryPlace(label, texture, () => SamplePlacement(rng, shape, size, _config.MinObjectScale, _config.MaxObjectScale, centred: false));
        }
        return layout.Draw(bg.Image);
    }

    /// <summary>The classification image of item <paramref name="index"/> of class <paramref name="classIndex"/>
    /// (the dominant object is drawn first and labelled; distractors are labelled -1).</summary>
    public Scene ClassificationScene(MiniatureStream stream, int classIndex, int index)
    {
        var cls = ShapeCatalog.ClassificationClasses[classIndex];
        // Items of different classes get disjoint RNG streams: index space is split per class.
        var rng = new ItemRandom(_config.Seed, stream, classIndex * 1_000_003 + index);
        int size = _config.ClassificationImageSize;
        var bg = SceneBackground.Render(rng, size, _config.BackgroundNoise, _config.MaxClutterLines);
        var layout = new Layout(size, _config);
        var kind = cls.Texture ?? SampleTextureKind(rng);
        var texture = SampleTexture(rng, bg, kind, saturated: true);
        // The dominant object is always placed (the first object in an empty layout meets every overlap rule);
        // it is sampled until it fits the in-image constraints.
        if (!layout.TryPlace(classIndex, texture, () => SamplePlacement(rng, cls.Shape, size, 0.45, 0.8, centred: true)))
            throw new InvalidOperationException($"could not place the dominant {cls.Name} of classification item {index}");
        int distractors = rng.Next(0, _config.ClassificationMaxDistractors + 1);
        for (int k = 0; k < distractors; k++)
        {
            var shape = rng.Pick(ShapeCatalog.DetectionShapes);
            var t = SampleTexture(rng, bg, SampleTextureKind(rng), saturated: false);
            layout.TryPlace(-1, t, () => SamplePlacement(rng, shape, size, 0.12, 0.25, centred: false));
        }
        return layout.Draw(bg.Image);
    }

    TextureKind SampleTextureKind(ItemRandom rng)
    {
        var w = _config.TextureWeights;
        double r = rng.NextDouble() * w.Sum();
        return r < w[0] ? TextureKind.Solid : r < w[0] + w[1] ? TextureKind.Stripes : TextureKind.Noise;
    }

    /// <summary>A texture whose every pixel keeps <see cref="MiniatureConfig.MinObjectContrast"/> against both
    /// gradient end colours. Classification uses saturated HSV colours (a different colour distribution from the
    /// detection scenes' uniform RGB).</summary>
    ObjectTexture SampleTexture(ItemRandom rng, SceneBackground bg, TextureKind kind, bool saturated)
    {
        ObjectTexture? last = null;
        for (int attempt = 0; attempt < 64; attempt++)
        {
            var a = saturated
                ? Rgb.FromHsv(rng.NextDouble(), rng.Uniform(0.6, 1), rng.Uniform(0.55, 1))
                : new Rgb((byte)rng.Next(0, 256), (byte)rng.Next(0, 256), (byte)rng.Next(0, 256));
            // Stripes alternate with a clearly darker or lighter version of the same colour.
            double f = rng.Chance(0.5) ? rng.Uniform(0.35, 0.6) : rng.Uniform(1.5, 2.2);
            var b = Rgb.Clamped(a.R * f + (f > 1 ? 40 : 0), a.G * f + (f > 1 ? 40 : 0), a.B * f + (f > 1 ? 40 : 0));
            var tex = new ObjectTexture(kind, a, b, rng.Uniform(StripeMinPeriod, StripeMaxPeriod), rng.Uniform(0, Math.PI),
                                        rng.Next(NoiseMinAmplitude, NoiseMaxAmplitude + 1), rng.NextULong());
            last = tex;
            if (tex.MinimumDistanceTo(bg.From) >= _config.MinObjectContrast && tex.MinimumDistanceTo(bg.To) >= _config.MinObjectContrast)
                return tex;
        }
        // Fallback (rare): black or white, whichever is further from the background.
        int lum = bg.From.R + bg.From.G + bg.From.B;
        var c = lum > 382 ? new Rgb(0, 0, 0) : new Rgb(255, 255, 255);
        return last! with { Kind = TextureKind.Solid, A = c, B = c };
    }

    /// <summary>A random placement: nominal size sqrt(w·h) log-uniform in [minScale, maxScale]·size, aspect from
    /// the shape's range, any rotation, centre anywhere that keeps at most MaxOutsideFraction of the object outside
    /// (or near the middle when <paramref name="centred"/>).</summary>
    ShapePlacement SamplePlacement(ItemRandom rng, ShapeKind shape, int size, double minScale, double maxScale, bool centred)
    {
        double nominal = rng.LogUniform(minScale, maxScale) * size;
        var (amin, amax) = ShapeGeometry.AspectRange(shape);
        double aspect = amin == amax ? amin : rng.LogUniform(amin, amax);
        double hw = nominal / Math.Sqrt(aspect) / 2, hh = nominal * Math.Sqrt(aspect) / 2;
        double rot = _config.MaxRotationDegrees is { } max ? rng.Uniform(-max, max) * Math.PI / 180 : rng.Uniform(0, 2 * Math.PI);
        var probe = new ShapePlacement(shape, 0, 0, hw, hh, rot);
        var (ex, ey) = probe.Extent;
        double cx, cy;
        if (centred)
        {
            cx = size / 2.0 + rng.Uniform(-0.12, 0.12) * size;
            cy = size / 2.0 + rng.Uniform(-0.12, 0.12) * size;
        }
        else
        {
            double out_ = rng.Chance(_config.TruncationProbability) ? _config.MaxOutsideFraction : 0;
            cx = CentreIn(rng, ex, size, out_);
            cy = CentreIn(rng, ey, size, out_);
        }
        return probe with { CenterX = cx, CenterY = cy };
    }

    static double CentreIn(ItemRandom rng, double extent, int size, double outside)
    {
        double lo = extent - 2 * extent * outside, hi = size - lo;
        return lo < hi ? rng.Uniform(lo, hi) : size / 2.0;
    }

    /// <summary>Objects placed so far and the instance map they make.</summary>
    sealed class Layout
    {
        readonly int _size;
        readonly MiniatureConfig _config;
        readonly byte[] _instance;
        readonly List<SceneObject> _objects = new();
        readonly List<int> _visible = new();

        public Layout(int size, MiniatureConfig config)
        {
            (_size, _config) = (size, config);
            _instance = new byte[size * size];
        }

        /// <summary>Tries up to MaxPlacementAttempts placements; adds the first that meets every rule.</summary>
        public bool TryPlace(int label, ObjectTexture texture, Func<ShapePlacement> sample)
        {
            for (int attempt = 0; attempt < _config.MaxPlacementAttempts; attempt++)
            {
                var p = sample();
                var mask = ObjectMask.Rasterize(p, _size, _size);
                if (mask.InImageArea < MinInImagePixels || mask.InImageArea < _config.MinInImageFraction * mask.FullArea) continue;
                var box = mask.TightBox()!.Value;
                if (_objects.Any(o => Iou(o.Box, box) > _config.MaxOverlapIou)) continue;
                if (!KeepsOthersVisible(mask)) continue;
                Add(label, p, texture, mask, box);
                return true;
            }
            return false;
        }

        bool KeepsOthersVisible(ObjectMask mask)
        {
            var hidden = new int[_objects.Count];
            for (int y = 0; y < mask.Height; y++)
                for (int x = 0; x < mask.Width; x++)
                {
                    if (!mask.Covered[y * mask.Width + x]) continue;
                    int k = _instance[(mask.Y0 + y) * _size + mask.X0 + x];
                    if (k > 0) hidden[k - 1]++;
                }
            for (int j = 0; j < hidden.Length; j++)
                if (_visible[j] - hidden[j] < _config.MinVisibleFraction * _objects[j].Mask.InImageArea) return false;
            return true;
        }

        void Add(int label, ShapePlacement p, ObjectTexture texture, ObjectMask mask, (int, int, int, int) box)
        {
            _objects.Add(new SceneObject(label, p, texture, mask, box));
            _visible.Add(mask.InImageArea);
            byte id = checked((byte)_objects.Count);
            for (int y = 0; y < mask.Height; y++)
                for (int x = 0; x < mask.Width; x++)
                {
                    if (!mask.Covered[y * mask.Width + x]) continue;
                    int i = (mask.Y0 + y) * _size + mask.X0 + x;
                    if (_instance[i] > 0) _visible[_instance[i] - 1]--;
                    _instance[i] = id;
                }
        }

        /// <summary>Paints the objects over <paramref name="background"/> in order (later on top).</summary>
        public Scene Draw(RgbImage background)
        {
            var img = background;
            for (int k = 0; k < _objects.Count; k++)
            {
                var o = _objects[k];
                var m = o.Mask;
                for (int y = 0; y < m.Height; y++)
                    for (int x = 0; x < m.Width; x++)
                    {
                        if (!m.Covered[y * m.Width + x]) continue;
                        int ix = m.X0 + x, iy = m.Y0 + y, off = img.Offset(ix, iy);
                        var c = o.Texture.ColourAt(ix, iy);
                        img.Pixels[off] = c.R; img.Pixels[off + 1] = c.G; img.Pixels[off + 2] = c.B;
                    }
                o.VisibleArea = _visible[k];
            }
            return new Scene { Image = img, Instance = _instance, Objects = _objects.ToArray() };
        }

        static double Iou((int X0, int Y0, int X1, int Y1) a, (int X0, int Y0, int X1, int Y1) b)
        {
            int iw = Math.Min(a.X1, b.X1) - Math.Max(a.X0, b.X0), ih = Math.Min(a.Y1, b.Y1) - Math.Max(a.Y0, b.Y0);
            if (iw <= 0 || ih <= 0) return 0;
            double inter = (double)iw * ih;
            return inter / ((a.X1 - a.X0) * (a.Y1 - a.Y0) + (b.X1 - b.X0) * (b.Y1 - b.Y0) - inter);
        }
    }
}
