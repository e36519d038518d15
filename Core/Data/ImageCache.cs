using System.Collections.Concurrent;
using Repro.Core.Data.Images;

namespace Repro.Core.Data;

/// <summary>
/// Keeps decoded images in memory, keyed by full path, up to a byte budget (the miniature's 64×64 images are 12 KB
/// each, so a whole set fits). Admission is first-come until the budget is spent, with no eviction, so a run's
/// behaviour never depends on what happened to be cached. Every hit returns a private copy (transforms may modify it).
/// Thread-safe.
/// </summary>
public sealed class ImageCache
{
    readonly ConcurrentDictionary<string, RgbImage> _images = new(StringComparer.Ordinal);
    long _bytes;

    public ImageCache(long maxBytes = 512L << 20)
    {
        if (maxBytes < 0) throw new ArgumentOutOfRangeException(nameof(maxBytes), maxBytes, "cache budget must be non-negative");
        MaxBytes = maxBytes;
    }

    public long MaxBytes { get; }
    public long Bytes => Interlocked.Read(ref _bytes);
    public int Count => _images.Count;

    /// <summary>The decoded image at <paramref name="path"/> (decoded with <see cref="ImageIO"/> on a miss).</summary>
    public RgbImage Load(string path)
    {
        if (_images.TryGetValue(path, out var hit)) return hit.Clone();
        var image = ImageIO.Load(path);
        long size = image.Pixels.Length;
        if (Interlocked.Add(ref _bytes, size) <= MaxBytes)
        {
            if (!_images.TryAdd(path, image.Clone())) Interlocked.Add(ref _bytes, -size);
        }
        else Interlocked.Add(ref _bytes, -size);
        return image;
    }
}
