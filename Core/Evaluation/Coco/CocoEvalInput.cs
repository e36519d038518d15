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
    public static CocoEvalInput Build(CocoDataset gt, IReadOnlyList<CocoResult> results, int maxDet)
    {
        var input = new CocoEvalInput();
        input.ImageIds = gt.Images.Select(i => i.Id).Distinct().OrderBy(i => i).ToArray();
        var cats = gt.Categories.OrderBy(c => c.Id).ToArray();
        input.CategoryIds = cats.Select(c => c.Id).ToArray();
        input.CategoryNames = cats.Select(c => c.Name).ToArray();
        int numImages = input.ImageIds.Length, numCats = cats.Length;

        var imageIndex = new Dictionary<long, int>(numImages);
        for (int i = 0; i < numImages; i++) imageIndex[input.ImageIds[i]] = i;
        var catIndex = new Dictionary<int, int>(numCats);
        for (int k = 0; k < numCats; k++) catIndex[input.CategoryIds[k]] = k;

        // Ground truths: sort by (category, image, file position) with one composite key.
        var anns = gt.Annotations;
        int numGt = anns.Count;
        var gtKeys = new long[numGt];
        for (int i = 0; i < numGt; i++)
        {
            long group = (long)catIndex[anns[i].CategoryId] * numImages + imageIndex[anns[i].ImageId];
            gtKeys[i] = group * numGt + i;
        }
        Array.Sort(gtKeys);
        input.GtBox = new double[4 * numGt];
        input.GtArea = new double[numGt];
        input.GtCrowd = new bool[numGt];
        input.GtIdIsZero = new bool[numGt];
        input.GtSource = new int[numGt];
        var gtGroup = new long[numGt];
        for (int j = 0; j < numGt; j++)
        {
            int src = (int)(gtKeys[j] % numGt);
            gtGroup[j] = gtKeys[j] / numGt;
            var a = anns[src];
            a.Bbox.AsSpan(0, 4).CopyTo(input.GtBox.AsSpan(4 * j, 4));
            input.GtArea[j] = a.Area;
            input.GtCrowd[j] = a.IsCrowd != 0;
            input.GtIdIsZero[j] = a.Id == 0;
            input.GtSource[j] = src;
        }

        // Detections: sort by (category, image, file position); then stable score sort inside each group.
        int numDet = results.Count;
        var detKeys = new long[numDet];
        for (int i = 0; i < numDet; i++)
        {
            long group = (long)catIndex[results[i].CategoryId] * numImages + imageIndex[results[i].ImageId];
            detKeys[i] = group * Math.Max(numDet, 1) + i;
        }
        Array.Sort(detKeys);
        var detOrder = new int[numDet];
        var detGroup = new long[numDet];
        for (int j = 0; j < numDet; j++) { detOrder[j] = (int)(detKeys[j] % numDet); detGroup[j] = detKeys[j] / numDet; }
        detKeys = null!;

        // Walk both sorted lists in step to form groups; keep at most maxDet detections per group.
        var groupCat = new List<int>(); var gGs = new List<int>(); var gGc = new List<int>(); var gDs = new List<int>(); var gDc = new List<int>();
        var keptSource = new int[numDet];
        int kept = 0, gi = 0, di = 0;
        var scoreScratch = new ScoredIndex[16];
        while (gi < numGt || di < numDet)
        {
            long group = Math.Min(gi < numGt ? gtGroup[gi] : long.MaxValue, di < numDet ? detGroup[di] : long.MaxValue);
            int gStart = gi; while (gi < numGt && gtGroup[gi] == group) gi++;
            int dStart = di; while (di < numDet && detGroup[di] == group) di++;
            int n = di - dStart;
            if (scoreScratch.Length < n) scoreScratch = new ScoredIndex[Math.Max(n, 2 * scoreScratch.Length)];
            var span = scoreScratch.AsSpan(0, n);
            for (int j = 0; j < n; j++) span[j] = new ScoredIndex(-results[detOrder[dStart + j]].Score, detOrder[dStart + j]);
            ScoredIndex.StableSort(span);
            int take = Math.Min(n, maxDet);
            groupCat.Add((int)(group / numImages));
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
        input.DetSource = new int[kept];
        for (int g = 0; g < input.GroupCount; g++)
        {
            int s = input.GroupDetStart[g];
            for (int j = 0; j < input.GroupDetCount[g]; j++)
            {
                int d = s + j, src = keptSource[d];
                var r = results[src];
                r.Bbox.AsSpan(0, 4).CopyTo(input.DetBox.AsSpan(4 * d, 4));
                input.DetArea[d] = r.Bbox[2] * r.Bbox[3];
                input.DetScore[d] = r.Score;
                input.DetRank[d] = j;
                input.DetSource[d] = src;
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
}
