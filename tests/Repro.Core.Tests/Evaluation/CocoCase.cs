using Repro.Core.Data.Coco;

namespace Repro.Core.Tests.Evaluation;

/// <summary>Builds small COCO ground truth + results for evaluation tests.</summary>
public sealed class CocoCase
{
    public CocoDataset Gt { get; private set; } = new();
    public List<CocoResult> Results { get; } = new();
    long _nextAnnId = 1;

    public CocoCase(int images = 1, int categories = 1)
    {
        for (int i = 1; i <= images; i++) Gt.Images.Add(new CocoImage { Id = i, FileName = $"{i}.png", Width = 640, Height = 480 });
        for (int c = 1; c <= categories; c++) Gt.Categories.Add(new CocoCategory { Id = c, Name = $"c{c}" });
    }

    /// <summary>Adds a ground truth; area defaults to w·h.</summary>
    public CocoCase AddGt(long image, double x, double y, double w, double h, int category = 1, bool crowd = false, double? area = null, long? id = null)
    {
        Gt.Annotations.Add(new CocoAnnotation
        {
            Id = id ?? _nextAnnId++, ImageId = image, CategoryId = category, Bbox = new[] { x, y, w, h },
            Area = area ?? w * h, IsCrowd = crowd ? 1 : 0,
        });
        return this;
    }

    public CocoCase AddDet(long image, double x, double y, double w, double h, double score, int category = 1)
    {
        Results.Add(new CocoResult { ImageId = image, CategoryId = category, Bbox = new[] { x, y, w, h }, Score = score });
        return this;
    }
}
