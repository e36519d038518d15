using Repro.Core.Data;

namespace Repro.Core.Regimes.Pretraining;

/// <summary>The images of a dataset at the given indices, re-indexed 0 … n−1.</summary>
internal sealed class SubsetDataset(ILabelledImageSet source, int[] indices) : ILabelledImageSet
{
    public int Count => indices.Length;
    public LabelledImage Get(int index) => source.Get(indices[index]);
}
