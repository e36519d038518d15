namespace Repro.Core.Data.Coco;

/// <summary>A validated instances file: the dataset (boxes already clipped / skipped per the read policy), what was
/// changed, and where it came from (its SHA-256, so fraction manifests and run records can reference it).</summary>
public sealed record CocoReadResult(CocoDataset Dataset, CocoReadReport Report, string SourcePath, string SourceSha256);
