using Repro.Core.Data.Coco;
using Repro.Core.Models.Detection;
using Repro.Core.Regimes.SelfTraining;
using Repro.Core.Tests.Data;

namespace Repro.Core.Tests.Regimes.SelfTraining;

public class PseudoLabelerTests
{
    // Sparse ids listed out of order: class index i is the i-th category by ascending id (3, 7, 11).
    static readonly CocoCategory[] Categories =
    {
        new() { Id = 11, Name = "plus" }, new() { Id = 3, Name = "disc" }, new() { Id = 7, Name = "ring" },
    };

    // Scores deliberately not sorted; labels are class indices.
    static readonly ImageDetections Detections = new(
        new float[]
        {
            2, 4, 22, 24,     // 0.48, class 0
            10, 10, 30, 40,   // 0.93, class 2
            0, 0, 8, 8,       // 0.5,  class 1
            40, 40, 60, 50,   // 0.71, class 0
            1, 1, 3, 3,       // 0.22, class 2
        },
        new[] { 0.48f, 0.93f, 0.5f, 0.71f, 0.22f },
        new[] { 0, 2, 1, 0, 2 });

    [Fact]
    public void Keeps_exactly_the_detections_at_or_above_the_threshold_best_first_with_the_teachers_category_ids()
    {
        var kept = PseudoLabeler.Select(Detections, scale: 2.0, threshold: 0.5, maxBoxes: 100, new CategoryMap(Categories));
        Assert.Equal(new[] { 0.93, 0.71, 0.5 }, kept.Select(b => Math.Round(b.Score, 2)));
        Assert.Equal(new[] { 11, 3, 7 }, kept.Select(b => b.CategoryId));
        // Boxes back in image pixels (÷ scale 2) as [x, y, w, h].
        Assert.Equal(new double[] { 5, 5, 10, 15 }, kept[0].Bbox);
        Assert.Equal(new double[] { 20, 20, 10, 5 }, kept[1].Bbox);
        Assert.Equal(new double[] { 0, 0, 4, 4 }, kept[2].Bbox);
        Assert.All(kept, b => Assert.True(b.Score >= 0.5));
    }

    [Fact]
    public void The_cap_keeps_the_highest_scoring_boxes()
    {
        var kept = PseudoLabeler.Select(Detections, 1.0, threshold: 0.0, maxBoxes: 2, new CategoryMap(Categories));
        Assert.Equal(new[] { 0.93f, 0.71f }, kept.Select(b => (float)b.Score));
    }

    [Fact]
    public void A_threshold_above_every_score_keeps_nothing()
    {
        Assert.Empty(PseudoLabeler.Select(Detections, 1.0, 0.94, 100, new CategoryMap(Categories)));
        Assert.Empty(PseudoLabeler.Select(ImageDetections.Empty, 1.0, 0.0, 100, new CategoryMap(Categories)));
    }

    [Fact]
    public void A_class_index_outside_the_categories_is_an_error()
    {
        var bad = new ImageDetections(new float[] { 0, 0, 1, 1 }, new[] { 0.9f }, new[] { 3 });
        Assert.Throws<ArgumentException>(() => PseudoLabeler.Select(bad, 1.0, 0.5, 10, new CategoryMap(Categories)));
    }

    [Fact]
    public void Annotations_carry_area_no_crowd_and_the_score()
    {
        var a = PseudoLabeler.ToAnnotation(new PseudoBox(7, new double[] { 1, 2, 3, 4 }, 0.6), 5, 9);
        Assert.Equal((5L, 9L, 7, 12.0, 0, 0.6), (a.Id, a.ImageId, a.CategoryId, a.Area, a.IsCrowd, a.Score));
    }

    [Fact]
    public void Statistics_count_boxes_and_histogram_all_teacher_scores()
    {
        var map = new CategoryMap(Categories);
        var second = new ImageDetections(new float[] { 0, 0, 5, 5, 1, 1, 9, 9 }, new[] { 1.0f, 0.05f }, new[] { 1, 1 });
        var teacher = new[] { Detections, second, ImageDetections.Empty };
        var kept = teacher.Select(d => (IReadOnlyList<PseudoBox>)PseudoLabeler.Select(d, 1, 0.5, 100, map)).ToArray();
        var names = Categories.ToDictionary(c => c.Id, c => c.Name);
        var s = PseudoLabelStatistics.Compute(teacher, kept, names, 0.5, 0.05);

        Assert.Equal(3, s.Images);
        Assert.Equal(4, s.Boxes);                       // 0.93, 0.71, 0.5 and 1.0
        Assert.Equal(2, s.ImagesWithBoxes);
        Assert.Equal(4.0 / 3, s.BoxesPerImage, 12);
        Assert.Equal(3, s.BoxesPerCategory.Count);
        Assert.Equal((1, 2, 1), (s.BoxesPerCategory["disc"], s.BoxesPerCategory["ring"], s.BoxesPerCategory["plus"]));
        // Scores 0.48 0.93 0.5 0.71 0.22 | 1.0 0.05 → bins 4, 9, 5, 7, 2 | 9, 0.
        Assert.Equal(new[] { 1, 0, 1, 0, 1, 1, 0, 1, 0, 2 }, s.ScoreHistogram);
        Assert.Equal((0.93f + 0.71f + 0.5f + 1.0f) / 4.0, s.MeanScoreKept, 6);
        Assert.Equal((7, 4), (s.TeacherDetections, s.DetectionsAboveThreshold));
    }

    [Fact]
    public void Quality_counts_true_positives_at_iou_half_against_hidden_labels()
    {
        using var dir = new TempDataDir();
        var gt = dir.WriteText("gt.json", """
            {"images": [{"id": 10, "file_name": "a.png", "width": 64, "height": 64},
                        {"id": 20, "file_name": "b.png", "width": 64, "height": 64}],
             "annotations": [{"id": 1, "image_id": 10, "category_id": 1, "bbox": [0, 0, 10, 10], "area": 100, "iscrowd": 0},
                             {"id": 2, "image_id": 10, "category_id": 2, "bbox": [20, 20, 10, 10], "area": 100, "iscrowd": 0},
                             {"id": 3, "image_id": 20, "category_id": 1, "bbox": [5, 5, 10, 10], "area": 100, "iscrowd": 0}],
             "categories": [{"id": 1, "name": "disc"}, {"id": 2, "name": "ring"}]}
            """);
        var pseudoPath = dir.PathOf("pseudo.json");
        new PseudoLabelFile
        {
            Images = { new CocoImage { Id = 1, FileName = "a.png", Width = 64, Height = 64 }, new CocoImage { Id = 2, FileName = "b.png", Width = 64, Height = 64 } },
            Annotations =
            {
                PseudoLabeler.ToAnnotation(new PseudoBox(1, new double[] { 0, 0, 10, 10 }, 0.9), 1, 1),    // TP (IoU 1)
                PseudoLabeler.ToAnnotation(new PseudoBox(1, new double[] { 30, 30, 5, 5 }, 0.8), 2, 1),    // FP (no overlap)
                PseudoLabeler.ToAnnotation(new PseudoBox(2, new double[] { 21, 21, 10, 10 }, 0.7), 3, 1),  // TP (IoU 81/119)
                PseudoLabeler.ToAnnotation(new PseudoBox(2, new double[] { 5, 5, 10, 10 }, 0.6), 4, 2),    // FP (wrong class)
            },
            Categories = { new CocoCategory { Id = 1, Name = "disc" }, new CocoCategory { Id = 2, Name = "ring" } },
        }.Write(pseudoPath);

        var q = PseudoLabelQuality.Measure(pseudoPath, gt);
        Assert.Equal((2, 4, 3, 2), (q.Images, q.PseudoBoxes, q.GroundTruthBoxes, q.TruePositives));
        Assert.Equal(0.5, q.Precision, 12);
        Assert.Equal(2.0 / 3, q.Recall, 12);

        var first = PseudoLabelQuality.Measure(pseudoPath, gt, firstImages: 1);
        Assert.Equal((1, 3, 2, 2), (first.Images, first.PseudoBoxes, first.GroundTruthBoxes, first.TruePositives));
        Assert.Equal(1.0, first.Recall, 12);

        // A pass's metrics carry the quality, in percent, only where true boxes were given.
        var stats = new PseudoLabelStatistics { Images = 2, Boxes = 4, ImagesWithBoxes = 2, BoxesPerImage = 2, MeanScoreKept = 0.75 };
        var measured = new Repro.Core.Experiments.PseudoLabelResult
        {
            AnnotationsPath = pseudoPath, ImagesRoot = dir.Root, Statistics = stats, StatisticsPath = "s", ConfigHash = "h", Computed = true, Quality = q,
        };
        Assert.Equal(50.0, measured.Metrics["precision"], 9);
        Assert.Equal(200.0 / 3, measured.Metrics["recall"], 9);
        Assert.Equal(2.0, measured.Metrics["boxes_per_image"]);
        Assert.False((measured with { Quality = null }).Metrics.ContainsKey("precision"));
    }
}
