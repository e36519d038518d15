namespace Repro.Core.Data;

/// <summary>
/// An indexed, read-only set of samples. <see cref="Get"/> must be safe to call from several threads at once
/// (the loader decodes on background tasks) and must return a fresh sample each call (transforms may modify it).
/// </summary>
public interface ILabelledImageSet
{
    int Count { get; }
    LabelledImage Get(int index);
}
