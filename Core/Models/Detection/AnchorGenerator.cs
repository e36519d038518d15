using static TorchSharp.torch;

namespace Repro.Core.Models.Detection;

/// <summary>
/// Generates RetinaNet anchors (x1, y1, x2, y2). Anchor centres sit at the centres of feature-map cells:
/// ((j + 0.5)·stride, (i + 0.5)·stride) for cell row i, column j — the choice that keeps the anchor grid symmetric in
/// the image (torchvision uses offset 0, detectron2 makes it an option). Order: level, then cell row-major, then
/// aspect ratio, then scale — the order in which <see cref="RetinaNetHead"/> flattens its outputs.
/// </summary>
public sealed class AnchorGenerator
{
    readonly AnchorConfig _config;
    readonly Dictionary<string, Tensor> _cache = new();

    public AnchorGenerator(AnchorConfig config)
    {
        config.Validate();
        _config = config;
    }

    public int AnchorsPerLocation => _config.AnchorsPerLocation;

    /// <summary>The (width, height) of the cell anchors at a level of stride <paramref name="stride"/>, in anchor order.</summary>
    public (double W, double H)[] CellAnchorSizes(int stride)
    {
        var sizes = new (double, double)[AnchorsPerLocation];
        int a = 0;
        foreach (var r in _config.AspectRatios)
            for (int k = 0; k < _config.ScalesPerOctave; k++)
            {
                double size = _config.SizeFactor * stride * Math.Pow(2, (double)k / _config.ScalesPerOctave);
                sizes[a++] = (size / Math.Sqrt(r), size * Math.Sqrt(r));
            }
        return sizes;
    }

    /// <summary>Anchors of one level as a flat array (4 per anchor) for a feature map of <paramref name="height"/>×<paramref name="width"/>.</summary>
    public float[] LevelAnchors(int stride, int height, int width)
    {
        var cell = CellAnchorSizes(stride);
        var result = new float[height * width * cell.Length * 4];
        int o = 0;
        for (int i = 0; i < height; i++)
            for (int j = 0; j < width; j++)
            {
                double cx = (j + 0.5) * stride, cy = (i + 0.5) * stride;
                foreach (var (w, h) in cell)
                {
                    result[o++] = (float)(cx - w / 2); result[o++] = (float)(cy - h / 2);
                    result[o++] = (float)(cx + w / 2); result[o++] = (float)(cy + h / 2);
                }
            }
        return result;
    }

    /// <summary>
    /// Anchors of all levels, one [A_ℓ, 4] tensor per level on <paramref name="device"/>, for feature maps of the given
    /// sizes and strides. Cached; the returned tensors are owned by the generator (do not dispose them).
    /// </summary>
    public Tensor[] Anchors(IReadOnlyList<(int Height, int Width)> featureSizes, IReadOnlyList<int> strides, Device device)
    {
        if (featureSizes.Count != strides.Count) throw new ArgumentException($"{featureSizes.Count} feature sizes but {strides.Count} strides");
        var result = new Tensor[strides.Count];
        for (int l = 0; l < strides.Count; l++)
        {
            var (h, w) = featureSizes[l];
            var key = $"{strides[l]}:{h}x{w}@{device}";
            if (!_cache.TryGetValue(key, out var t))
            {
                t = tensor(LevelAnchors(strides[l], h, w), new long[] { (long)h * w * AnchorsPerLocation, 4 }).to(device);
                t.DetachFromDisposeScope();
                _cache[key] = t;
            }
            result[l] = t;
        }
        return result;
    }
}
