using Repro.Core.Data.Coco;
using Repro.Core.Evaluation.Coco;

namespace Repro.Core.Tests.Evaluation;

/// <summary>
/// Property: on random small cases (ties, crowds, boundary areas, truncation, empty categories) the optimized evaluator
/// equals the naive re-statement of pycocotools in <see cref="NaiveCocoEval"/>, for all 12 numbers, every
/// per-category AP and every precision/recall table entry.
/// </summary>
public class CocoEvalCrossCheckTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Optimized_evaluator_equals_naive_reference(int seed)
    {
        var rng = new Random(seed);
        for (int trial = 0; trial < 60; trial++)
        {
            var (gt, results, p) = RandomCase(rng);
            var naive = NaiveCocoEval.Run(gt, results, p);
            var acc = CocoEvaluator.Accumulate(gt, results, p);
            var s = CocoSummarizer.Summarize(acc);
            string where = $"seed {seed} trial {trial}";
            for (int i = 0; i < 12; i++)
                Assert.True(Math.Abs(naive.Stats[i] - s.Stats[i]) < 1e-12, $"{where}: stat {i} naive {naive.Stats[i]} vs {s.Stats[i]}");
            for (int k = 0; k < naive.PerCategoryAp.Length; k++)
                Assert.True(Math.Abs(naive.PerCategoryAp[k] - s.PerCategory[k].Ap) < 1e-12, $"{where}: category {k}");
            for (int t = 0; t < acc.T; t++)
                for (int k = 0; k < acc.K; k++)
                    for (int a = 0; a < acc.A; a++)
                        for (int m = 0; m < acc.M; m++)
                        {
                            Assert.True(naive.Recall[t, k, a, m] == acc.Recall(t, k, a, m), $"{where}: recall[{t},{k},{a},{m}]");
                            for (int r = 0; r < acc.R; r++)
                                Assert.True(naive.Precision[t, r, k, a, m] == acc.Precision(t, r, k, a, m), $"{where}: precision[{t},{r},{k},{a},{m}]");
                        }
        }
    }

    [Fact]
    public void Optimized_evaluator_equals_naive_reference_on_larger_groups_with_many_ties()
    {
        // Groups of 30–60 detections and categories of ~1,000 exercise the large-input sorting paths
        // (per-group and per-category stable ordering among thousands of equal scores).
        var rng = new Random(7);
        var c = new CocoCase(images: 25, categories: 2);
        for (int img = 1; img <= 25; img++)
        {
            var boxes = new List<(int x, int y, int w, int h, int cat)>();
            for (int g = rng.Next(1, 12); g > 0; g--)
            {
                var b = (x: rng.Next(0, 40), y: rng.Next(0, 40), w: rng.Next(2, 30), h: rng.Next(2, 30), cat: rng.Next(1, 3));
                boxes.Add(b);
                c.AddGt(img, b.x, b.y, b.w, b.h, category: b.cat, crowd: rng.Next(10) == 0);
            }
            for (int d = rng.Next(30, 90); d > 0; d--)
            {
                double score = rng.Next(1, 5) / 4.0;
                if (rng.Next(2) == 0)
                {
                    var b = boxes[rng.Next(boxes.Count)];
                    c.AddDet(img, b.x + rng.Next(-2, 3), b.y + rng.Next(-2, 3), b.w + rng.Next(0, 3), b.h + rng.Next(0, 3), score, b.cat);
                }
                else c.AddDet(img, rng.Next(0, 40), rng.Next(0, 40), rng.Next(2, 30), rng.Next(2, 30), score, rng.Next(1, 3));
            }
        }
        var p = CocoEvalParams.Default.WithAreaScale(0.25) with { MaxDets = new[] { 1, 10, 40 } };
        var naive = NaiveCocoEval.Run(c.Gt, c.Results, p);
        var s = CocoEvaluator.Evaluate(c.Gt, c.Results, p);
        for (int i = 0; i < 12; i++) Assert.True(Math.Abs(naive.Stats[i] - s.Stats[i]) < 1e-12, $"stat {i}: naive {naive.Stats[i]} vs {s.Stats[i]}");
        Assert.True(s.AP > 0.05 && s.AP < 0.95, $"AP {s.AP} should be non-trivial");
    }

    static (CocoDataset, List<CocoResult>, CocoEvalParams) RandomCase(Random rng)
    {
        int images = rng.Next(1, 5), cats = rng.Next(1, 4);
        var c = new CocoCase(0, 0);
        // Sparse, unsorted ids to exercise the id → index mapping and image-id ordering.
        var imageIds = Enumerable.Range(0, images).Select(i => (long)(rng.Next(1, 1000) * 10 + i)).ToList();
        foreach (var id in imageIds) c.Gt.Images.Add(new CocoImage { Id = id });
        var catIds = Enumerable.Range(0, cats).Select(i => rng.Next(1, 30) * 10 + i).ToList();
        foreach (var id in catIds) c.Gt.Categories.Add(new CocoCategory { Id = id, Name = $"c{id}" });
        long annId = rng.Next(0, 2);   // sometimes an annotation with id 0 (pycocotools reads its matches as unmatched)
        var gtBoxes = new List<(long img, int cat, double[] box)>();
        foreach (var img in imageIds)
            for (int n = rng.Next(0, 6); n > 0; n--)
            {
                int cat = catIds[rng.Next(cats)];
                double x = rng.Next(0, 8) * 2, y = rng.Next(0, 8) * 2, w = rng.Next(1, 7) * 2, h = rng.Next(1, 7) * 2;
                // Area field: usually w·h, sometimes exactly a range boundary, sometimes unrelated.
                double area = rng.Next(4) switch { 0 => 16, 1 => 144, 2 => rng.Next(1, 200), _ => w * h };
                c.AddGt(img, x, y, w, h, category: cat, crowd: rng.Next(6) == 0, area: area, id: annId++);
                gtBoxes.Add((img, cat, new[] { x, y, w, h }));
            }
        foreach (var img in imageIds)
            for (int n = rng.Next(0, 9); n > 0; n--)
            {
                double score = rng.Next(1, 6) / 5.0;   // few distinct scores → many ties
                if (gtBoxes.Count > 0 && rng.Next(3) > 0)
                {
                    var g = gtBoxes[rng.Next(gtBoxes.Count)];
                    int cat = rng.Next(5) == 0 ? catIds[rng.Next(cats)] : g.cat;
                    long dImg = rng.Next(5) == 0 ? imageIds[rng.Next(images)] : g.img;
                    c.AddDet(dImg, g.box[0] + rng.Next(-2, 3), g.box[1] + rng.Next(-2, 3), Math.Max(0, g.box[2] + rng.Next(-2, 3)), Math.Max(0, g.box[3] + rng.Next(-2, 3)), score, cat);
                }
                else
                    c.AddDet(img, rng.Next(0, 16), rng.Next(0, 16), rng.Next(0, 14), rng.Next(0, 14), score, catIds[rng.Next(cats)]);
            }
        // Area ranges scaled so that 16 and 144 are the small/medium and medium/large boundaries.
        var p = CocoEvalParams.Default.WithAreaScale(1.0 / 64);
        if (rng.Next(2) == 0) p = p with { MaxDets = new[] { 1, 2, 3 } };
        return (c.Gt, c.Results, p);
    }
}
