using Repro.Core.Data;

namespace Repro.Core.Regimes.Segmentation;

/// <summary>
/// Chosen samples of one or more data sets seen as one, in order (e.g. the human-labelled train images that have no
/// pseudo label, followed by the pseudo-labelled ones). A sample's ImageId becomes its position in the view, so
/// augmentation streams (seeded by image id) stay distinct across the parts.
/// </summary>
public sealed class DatasetView : ILabelledImageSet
{
    readonly (ILabelledImageSet Dataset, int Index)[] _items;

    public DatasetView(params (ILabelledImageSet Dataset, IReadOnlyList<int> Indices)[] parts)
    {
        var items = new List<(ILabelledImageSet, int)>();
        foreach (var (dataset, indices) in parts)
        {
            ArgumentNullException.ThrowIfNull(dataset);
            foreach (var i in indices)
            {
                if ((uint)i >= (uint)dataset.Count) throw new ArgumentOutOfRangeException(nameof(parts), i, $"index outside a data set of {dataset.Count} samples");
                items.Add((dataset, i));
            }
        }
        _items = items.ToArray();
    }

    /// <summary>All samples of <paramref name="dataset"/>.</summary>
    public static IReadOnlyList<int> All(ILabelledImageSet dataset) => Enumerable.Range(0, dataset.Count).ToArray();

    public int Count => _items.Length;

    public LabelledImage Get(int index)
    {
        if ((uint)index >= (uint)_items.Length) throw new ArgumentOutOfRangeException(nameof(index), index, $"view has {Count} samples");
        var (dataset, i) = _items[index];
        var s = dataset.Get(i);
        return new LabelledImage { ImageId = index, Image = s.Image, Boxes = s.Boxes, Labels = s.Labels, Mask = s.Mask };
    }
}
