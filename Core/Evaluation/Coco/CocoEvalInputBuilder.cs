using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Repro.Core.Data.Coco;

namespace Repro.Core.Evaluation.Coco;

/// <summary>
/// Fills a <see cref="CocoEvalInput"/>: maps ids to indices, orders ground truths and detections by (category, image,
/// file position) with counting sorts, then forms the non-empty groups, stable-sorting each group's detections by
/// score and keeping the first maxDet. Time O(n log g) for groups of size g, memory O(n + images + categories).
/// </summary>
internal static class CocoEvalInputBuilder
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static CocoEvalInput Build(CocoDataset gt, IReadOnlyList<CocoResult> results, int maxDet)
    {
        var input = new CocoEvalInput();
        var imageIds = new long[gt.Images.Count];
        for (int i = 0; i < imageIds.Length; i++) imageIds[i] = gt.Images[i].Id;
        Array.Sort(imageIds);
        var cats = gt.Categories.OrderBy(c => c.Id).ToArray();
        input.ImageIds = imageIds;
        input.CategoryIds = cats.Select(c => c.Id).ToArray();
        input.CategoryNames = cats.Select(c => c.Name).ToArray();
        var imageIndex = new IdIndex(imageIds);
        var catIndex = new IdIndex(input.CategoryIds.Select(c => (long)c).ToArray());

        var gts = FlattenGroundTruths(gt.Annotations, imageIndex, catIndex, input);
        var dets = FlattenResults(results, imageIndex, catIndex);
        var keptSource = FormGroups(input, gts, dets, maxDet);
        CopyKeptDetections(input, dets, keptSource);
        return input;
    }

    /// <summary>Per record: image and category index, and the order by (category, image, position).</summary>
    sealed class Keys
    {
        public required int[] Image, Category, Order;
    }

    sealed class FlatDetections
    {
        public required Keys Keys;
        public required double[] Score, Box;
    }

    static Keys FlattenGroundTruths(List<CocoAnnotation> anns, IdIndex imageIndex, IdIndex catIndex, CocoEvalInput input)
    {
        int n = anns.Count;
        var img = new int[n]; var cat = new int[n];
        for (int i = 0; i < n; i++) { img[i] = imageIndex.IndexOf(anns[i].ImageId); cat[i] = catIndex.IndexOf(anns[i].CategoryId); }
        var order = SortByCategoryThenImage(cat, img, input.CategoryIds.Length, input.ImageIds.Length);
        input.GtBox = new double[4 * n];
        input.GtArea = new double[n];
        input.GtCrowd = new bool[n];
        input.GtIdIsZero = new bool[n];
        input.GtSource = order;
        for (int j = 0; j < n; j++)
        {
            var a = anns[order[j]];
            a.Bbox.AsSpan(0, 4).CopyTo(input.GtBox.AsSpan(4 * j, 4));
            input.GtArea[j] = a.Area;
            input.GtCrowd[j] = a.IsCrowd != 0;
            input.GtIdIsZero[j] = a.Id == 0;
        }
        return new Keys { Image = img, Category = cat, Order = order };
    }

    /// <summary>One sequential pass over the result objects into flat arrays (file order); later passes, which visit
    /// detections in group order, then touch compact arrays instead of scattered objects.</summary>
    static FlatDetections FlattenResults(IReadOnlyList<CocoResult> results, IdIndex imageIndex, IdIndex catIndex)
    {
        int n = results.Count;
        var img = new int[n]; var cat = new int[n];
        var score = new double[n]; var box = new double[4 * n];
        ReadOnlySpan<CocoResult> span = results is List<CocoResult> list ? CollectionsMarshal.AsSpan(list)
            : results as CocoResult[] ?? results.ToArray();
        for (int i = 0; i < span.Length; i++)
        {
            var r = span[i];
            img[i] = imageIndex.IndexOf(r.ImageId);
            cat[i] = catIndex.IndexOf(r.CategoryId);
            score[i] = r.Score;
            r.Bbox.AsSpan(0, 4).CopyTo(box.AsSpan(4 * i, 4));
        }
        int numImages = imageIndex.Count, numCats = catIndex.Count;
        return new FlatDetections { Keys = new Keys { Image = img, Category = cat, Order = SortByCategoryThenImage(cat, img, numCats, numImages) }, Score = score, Box = box };
    }

    /// <summary>Walks ground truths and detections in step, one (category, image) group at a time; returns the
    /// source index of each kept detection in group order.</summary>
    static int[] FormGroups(CocoEvalInput input, Keys gts, FlatDetections dets, int maxDet)
    {
        int numImages = input.ImageIds.Length, numGt = gts.Order.Length, numDet = dets.Keys.Order.Length;
        var gOrder = gts.Order; var dOrder = dets.Keys.Order;
        var groupCat = new List<int>(); var gtStart = new List<int>(); var gtCount = new List<int>(); var detStart = new List<int>(); var detCount = new List<int>();
        var keptSource = new int[numDet];
        int kept = 0, gi = 0, di = 0;
        var scratch = new ScoredIndex[16];
        while (gi < numGt || di < numDet)
        {
            long gKey = gi < numGt ? (long)gts.Category[gOrder[gi]] * numImages + gts.Image[gOrder[gi]] : long.MaxValue;
            long dKey = di < numDet ? (long)dets.Keys.Category[dOrder[di]] * numImages + dets.Keys.Image[dOrder[di]] : long.MaxValue;
            long key = Math.Min(gKey, dKey);
            int g0 = gi; while (gi < numGt && (long)gts.Category[gOrder[gi]] * numImages + gts.Image[gOrder[gi]] == key) gi++;
            int d0 = di; while (di < numDet && (long)dets.Keys.Category[dOrder[di]] * numImages + dets.Keys.Image[dOrder[di]] == key) di++;
            int n = di - d0;
            if (scratch.Length < n) scratch = new ScoredIndex[Math.Max(n, 2 * scratch.Length)];
            var span = scratch.AsSpan(0, n);
            for (int j = 0; j < n; j++) { int src = dOrder[d0 + j]; span[j] = new ScoredIndex(-dets.Score[src], src); }
            ScoredIndex.StableSort(span);
            int take = Math.Min(n, maxDet);
            groupCat.Add((int)(key / numImages));
            gtStart.Add(g0); gtCount.Add(gi - g0); detStart.Add(kept); detCount.Add(take);
            for (int j = 0; j < take; j++) keptSource[kept++] = span[j].Index;
        }
        input.GroupCount = groupCat.Count;
        input.GroupCategory = groupCat.ToArray();
        input.GroupGtStart = gtStart.ToArray(); input.GroupGtCount = gtCount.ToArray();
        input.GroupDetStart = detStart.ToArray(); input.GroupDetCount = detCount.ToArray();
        return keptSource.AsSpan(0, kept).ToArray();
    }

    static void CopyKeptDetections(CocoEvalInput input, FlatDetections dets, int[] keptSource)
    {
        int kept = keptSource.Length;
        input.DetBox = new double[4 * kept];
        input.DetArea = new double[kept];
        input.DetScore = new double[kept];
        input.DetRank = new int[kept];
        input.DetSource = keptSource;
        var box = dets.Box;
        for (int g = 0; g < input.GroupCount; g++)
        {
            int s = input.GroupDetStart[g];
            for (int j = 0; j < input.GroupDetCount[g]; j++)
            {
                int d = s + j, src = keptSource[d];
                box.AsSpan(4 * src, 4).CopyTo(input.DetBox.AsSpan(4 * d, 4));
                input.DetArea[d] = box[4 * src + 2] * box[4 * src + 3];
                input.DetScore[d] = dets.Score[src];
                input.DetRank[d] = j;
            }
            input.MaxGroupDets = Math.Max(input.MaxGroupDets, input.GroupDetCount[g]);
            input.MaxGroupGts = Math.Max(input.MaxGroupGts, input.GroupGtCount[g]);
        }

        int numCats = input.CategoryIds.Length;
        input.CategoryDetStart = new int[numCats + 1];
        for (int g = 0; g < input.GroupCount; g++) input.CategoryDetStart[input.GroupCategory[g] + 1] += input.GroupDetCount[g];
        for (int k = 0; k < numCats; k++)
        {
            input.CategoryDetStart[k + 1] += input.CategoryDetStart[k];
            input.MaxCategoryDets = Math.Max(input.MaxCategoryDets, input.CategoryDetStart[k + 1] - input.CategoryDetStart[k]);
        }
    }

    /// <summary>Positions 0..n−1 ordered by (category, image, position): two stable counting-sort passes (LSD radix).</summary>
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
