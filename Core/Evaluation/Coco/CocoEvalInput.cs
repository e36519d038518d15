using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Repro.Core.Data.Coco;

namespace Repro.Core.Evaluation.Coco;

/// <summary>
/// Ground truths and detections regrouped into flat arrays by (category, image), the unit pycocotools evaluates.
/// Groups are ordered category-major then by ascending image id; inside a group ground truths keep file order and
/// detections are stable-sorted by descending score and truncated to the largest maxDet. Detections of one category
/// are therefore contiguous and in pycocotools' concatenation order (image id ascending, then per-image rank).
/// </summary>
internal sealed class CocoEvalInput
{
    public long[] ImageIds = Array.Empty<long>();
    public int[] CategoryIds = Array.Empty<int>();
    public string[] CategoryNames = Array.Empty<string>();

    // Ground truths, in group order.
    public double[] GtBox = Array.Empty<double>();   // x, y, w, h per ground truth (4 doubles)
    public double[] GtArea = Array.Empty<double>();  // the annotation's `area` field
    public bool[] GtCrowd = Array.Empty<bool>();
    /// <summary>pycocotools records a match as the GT's id; an id of 0 reads as "unmatched" in accumulate().</summary>
    public bool[] GtIdIsZero = Array.Empty<bool>();
    public int[] GtSource = Array.Empty<int>();      // index into the dataset's annotation list

    // Detections, in group order (each group score-sorted and truncated).
    public double[] DetBox = Array.Empty<double>();
    public double[] DetArea = Array.Empty<double>(); // w·h, as pycocotools' loadRes sets it
    public double[] DetScore = Array.Empty<double>();
    public int[] DetRank = Array.Empty<int>();       // 0-based position within its (image, category) group
    public int[] DetSource = Array.Empty<int>();     // index into the results list

    // Non-empty groups.
    public int GroupCount;
    public int[] GroupCategory = Array.Empty<int>();
    public int[] GroupGtStart = Array.Empty<int>(), GroupGtCount = Array.Empty<int>();
    public int[] GroupDetStart = Array.Empty<int>(), GroupDetCount = Array.Empty<int>();
    /// <summary>Per category: the range [CategoryDetStart[k], CategoryDetStart[k+1]) of its detections.</summary>
    public int[] CategoryDetStart = Array.Empty<int>();

    public int MaxGroupDets, MaxGroupGts, MaxCategoryDets;

    /// <summary>Builds the grouped arrays. Inputs must already be validated (known ids, finite boxes).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static CocoEvalInput Build(CocoDataset gt, IReadOnlyList<CocoResult> resultList, int maxDet)
    {
        var input = new CocoEvalInput();
        var imageIds = new long[gt.Images.Count];
        for (int i = 0; i < imageIds.Length; i++) imageIds[i] = gt.Images[i].Id;
        Array.Sort(imageIds);
        input.ImageIds = imageIds;
        var cats = gt.Categories.OrderBy(c => c.Id).ToArray();
        input.CategoryIds = cats.Select(c => c.Id).ToArray();
        input.CategoryNames = cats.Select(c => c.Name).ToArray();
        int numImages = imageIds.Length, numCats = cats.Length;
        var imageIndex = new IdIndex(imageIds);
        var catIndex = new IdIndex(input.CategoryIds.Select(c => (long)c).ToArray());

        // Ground truths in (category, image, file position) order.
        var anns = gt.Annotations.ToArray();
        int numGt = anns.Length;
        var gtImg = new int[numGt]; var gtCat = new int[numGt];
        for (int i = 0; i < numGt; i++) { gtImg[i] = imageIndex.IndexOf(anns[i].ImageId); gtCat[i] = catIndex.IndexOf(anns[i].CategoryId); }
        var gtOrder = SortByCategoryThenImage(gtCat, gtImg, numCats, numImages);
        input.GtBox = new double[4 * numGt];
        input.GtArea = new double[numGt];
        input.GtCrowd = new bool[numGt];
        input.GtIdIsZero = new bool[numGt];
        input.GtSource = gtOrder;
        for (int j = 0; j < numGt; j++)
        {
            var a = anns[gtOrder[j]];
            a.Bbox.AsSpan(0, 4).CopyTo(input.GtBox.AsSpan(4 * j, 4));
            input.GtArea[j] = a.Area;
            input.GtCrowd[j] = a.IsCrowd != 0;
            input.GtIdIsZero[j] = a.Id == 0;
        }

        // Detections: one sequential pass into flat arrays (file order), then everything works on those.
        int numDet = resultList.Count;
        var detImg = new int[numDet]; var detCat = new int[numDet];
        var score = new double[numDet]; var box = new double[4 * numDet];
        if (resultList is List<CocoResult> list) FlattenResults(CollectionsMarshal.AsSpan(list), imageIndex, catIndex, detImg, detCat, score, box);
        else FlattenResults(resultList.ToArray(), imageIndex, catIndex, detImg, detCat, score, box);
        var detOrder = SortByCategoryThenImage(detCat, detImg, numCats, numImages);

        // Walk both lists in step to form the non-empty groups; score-sort each group's detections, keep maxDet.
        var groupCat = new List<int>(); var gGs = new List<int>(); var gGc = new List<int>(); var gDs = new List<int>(); var gDc = new List<int>();
        var keptSource = new int[numDet];
        int kept = 0, gi = 0, di = 0;
        var scratch = new ScoredIndex[16];
        while (gi < numGt || di < numDet)
        {
            long gKey = gi < numGt ? (long)gtCat[gtOrder[gi]] * numImages + gtImg[gtOrder[gi]] : long.MaxValue;
            long dKey = di < numDet ? (long)detCat[detOrder[di]] * numImages + detImg[detOrder[di]] : long.MaxValue;
            long key = Math.Min(gKey, dKey);
            int cat = (int)(key / numImages), img = (int)(key % numImages);
            int gStart = gi; while (gi < numGt && gtCat[gtOrder[gi]] == cat && gtImg[gtOrder[gi]] == img) gi++;
            int dStart = di; while (di < numDet && detCat[detOrder[di]] == cat && detImg[detOrder[di]] == img) di++;
            int n = di - dStart;
            if (scratch.Length < n) scratch = new ScoredIndex[Math.Max(n, 2 * scratch.Length)];
            var span = scratch.AsSpan(0, n);
            for (int j = 0; j < n; j++) { int src = detOrder[dStart + j]; span[j] = new ScoredIndex(-score[src], src); }
            ScoredIndex.StableSort(span);
            int take = Math.Min(n, maxDet);
            groupCat.Add(cat);
            gGs.Add(gStart); gGc.Add(gi - gStart); gDs.Add(kept); gDc.Add(take);
            for (int j = 0; j < take; j++) keptSource[kept++] = span[j].Index;
        }

        input.GroupCount = groupCat.Count;
        input.GroupCategory = groupCat.ToArray();
        input.GroupGtStart = gGs.ToArray(); input.GroupGtCount = gGc.ToArray();
        input.GroupDetStart = gDs.ToArray(); input.GroupDetCount = gDc.ToArray();
        input.DetBox = new double[4 * kept];
        input.DetArea = new double[kept];
        input.DetScore = new double[kept];
        input.DetRank = new int[kept];
        input.DetSource = keptSource.AsSpan(0, kept).ToArray();
        for (int g = 0; g < input.GroupCount; g++)
        {
            int s = input.GroupDetStart[g];
            for (int j = 0; j < input.GroupDetCount[g]; j++)
            {
                int d = s + j, src = input.DetSource[d];
                box.AsSpan(4 * src, 4).CopyTo(input.DetBox.AsSpan(4 * d, 4));
                input.DetArea[d] = box[4 * src + 2] * box[4 * src + 3];
                input.DetScore[d] = score[src];
                input.DetRank[d] = j;
            }
            input.MaxGroupDets = Math.Max(input.MaxGroupDets, input.GroupDetCount[g]);
            input.MaxGroupGts = Math.Max(input.MaxGroupGts, input.GroupGtCount[g]);
        }

        input.CategoryDetStart = new int[numCats + 1];
        for (int g = 0; g < input.GroupCount; g++) input.CategoryDetStart[input.GroupCategory[g] + 1] += input.GroupDetCount[g];
        for (int k = 0; k < numCats; k++)
        {
            input.CategoryDetStart[k + 1] += input.CategoryDetStart[k];
            input.MaxCategoryDets = Math.Max(input.MaxCategoryDets, input.CategoryDetStart[k + 1] - input.CategoryDetStart[k]);
        }
        return input;
    }

    static void FlattenResults(ReadOnlySpan<CocoResult> results, IdIndex imageIndex, IdIndex catIndex,
        int[] img, int[] cat, double[] score, double[] box)
    {
        for (int i = 0; i < results.Length; i++)
        {
            var r = results[i];
            img[i] = imageIndex.IndexOf(r.ImageId);
            cat[i] = catIndex.IndexOf(r.CategoryId);
            score[i] = r.Score;
            r.Bbox.AsSpan(0, 4).CopyTo(box.AsSpan(4 * i, 4));
        }
    }

    /// <summary>Positions 0..n−1 ordered by (category, image, position): two stable counting-sort passes (LSD radix),
    /// O(n + images + categories) time and memory.</summary>
    static int[] SortByCategoryThenImage(int[] cat, int[] img, int numCats, int numImages)
    {
        int n = cat.Length;
        var byImage = new int[n];
        var counts = new int[numImages + 1];
        for (int i = 0; i < n; i++) counts[img[i] + 1]++;
        for (int i = 0; i < numImages; i++) counts[i + 1] += counts[i];
        for (int i = 0; i < n; i++) byImage[counts[img[i]]++] = i;

        var result = new int[n];
        counts = new int[numCats + 1];
        for (int i = 0; i < n; i++) counts[cat[i] + 1]++;
        for (int i = 0; i < numCats; i++) counts[i + 1] += counts[i];
        for (int j = 0; j < n; j++) { int i = byImage[j]; result[counts[cat[i]]++] = i; }
        return result;
    }
}
