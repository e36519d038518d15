using Repro.Core.Data.Images;

namespace Repro.Core.Data.Miniature;

/// <summary>
/// A generated image with its exact ground truth: the objects (in drawing order, later ones on top) and the
/// instance map (<see cref="Instance"/>[y·W + x] = 0 for background, k for the k-th object, 1-based, as visible).
/// </summary>
public sealed class Scene
{
    public required RgbImage Image { get; init; }
    public required byte[] Instance { get; init; }
    public required IReadOnlyList<SceneObject> Objects { get; init; }

    /// <summary>The per-pixel label map: 0 = background, Label + 1 of the visible object (distractors count as
    /// background); with <paramref name="ignoreBoundaries"/>, VOC-style 255 on a 1-px band at every label change,
    /// placed on the side that is further back (background, or the occluded object), so the front object keeps all
    /// of its pixels.</summary>
    public byte[] LabelMap(bool ignoreBoundaries)
    {
        int w = Image.Width, h = Image.Height;
        var labels = new byte[w * h];
        for (int i = 0; i < labels.Length; i++)
        {
            int k = Instance[i];
            labels[i] = k == 0 || Objects[k - 1].Label < 0 ? (byte)0 : (byte)(Objects[k - 1].Label + 1);
        }
        if (!ignoreBoundaries) return labels;
        var result = (byte[])labels.Clone();
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int i = y * w + x;
                if (InFront(i, x - 1, y) || InFront(i, x + 1, y) || InFront(i, x, y - 1) || InFront(i, x, y + 1))
                    result[i] = VocIgnore;
            }
        return result;

        // Is the 4-neighbour (nx, ny) a different label drawn in front of pixel i?
        bool InFront(int i, int nx, int ny)
        {
            if (nx < 0 || ny < 0 || nx >= w || ny >= h) return false;
            int j = ny * w + nx;
            return labels[j] != labels[i] && Instance[j] > Instance[i];
        }
    }

    const byte VocIgnore = 255;
}
