namespace Repro.Core.Models.Detection;

/// <summary>
/// Detections of one image, sorted by descending score: <see cref="Boxes"/> holds 4 floats per detection
/// (x1, y1, x2, y2 in input pixels), <see cref="Labels"/> contiguous class indices.
/// </summary>
public sealed record ImageDetections(float[] Boxes, float[] Scores, int[] Labels)
{
    public int Count => Scores.Length;

    public static ImageDetections Empty { get; } = new(Array.Empty<float>(), Array.Empty<float>(), Array.Empty<int>());
}
