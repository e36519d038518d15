using Repro.Core.Data.Coco;
using Repro.Core.Data.Miniature;
using Repro.Core.Data.ImageFolder;
using Repro.Core.Data.Voc;
using Repro.Core.Tests.Miniature;

namespace Repro.Core.Tests.Integration;

/// <summary>The generated miniature is read by the same loaders as real COCO / VOC / image folders.</summary>
public class MiniatureThroughReadersTests(SmokeMiniatureFixture mini) : IClassFixture<SmokeMiniatureFixture>
{
    [Fact]
    public void Detection_split_reads_as_coco_with_every_box_kept()
    {
        var m = mini.Manifest;
        var ds = CocoDetectionDataset.Open(m.DetectionTrainImages, m.DetectionTrainAnnotations);
        Assert.Equal(m.Config.DetectionTrainCount, ds.Count);
        Assert.Equal(m.DetectionCategories, ds.ClassNames);
        var raw = MiniaturePreview.ReadCoco(m.DetectionTrainAnnotations);
        // The reader drops boxes of at most 1 px a side (documented); the generator's count minus those is what loads.
        int expected = raw.Annotations.Count(a => a.Bbox[2] > 1 && a.Bbox[3] > 1);
        Assert.Equal(expected, Enumerable.Range(0, ds.Count).Sum(ds.BoxCount));
        var sample = ds.Get(0);
        Assert.Equal(m.Config.ImageSize, sample.Image.Width);
        Assert.All(sample.Labels, l => Assert.InRange(l, 0, m.DetectionCategories.Count - 1));
    }

    [Fact]
    public void Segmentation_classification_and_unlabeled_parts_read_through_their_loaders()
    {
        var m = mini.Manifest;
        var voc = new VocSegmentationDataset(m.VocRoot, "trainaug");
        Assert.Equal(m.Config.SegmentationTrainAugCount, voc.Count);
        var mask = voc.Get(0).Mask!;
        Assert.Contains(mask, v => v == 0);
        Assert.All(mask, v => Assert.True(v == VocPalette.Ignore || v < m.SegmentationClasses.Count));
        Assert.Equal(m.Config.SegmentationTrainCount, new VocSegmentationDataset(m.VocRoot, "train").Count);

        var cls = new ImageFolderDataset(m.ClassificationTrain);
        Assert.Equal(m.ClassificationClasses.OrderBy(c => c, StringComparer.Ordinal), cls.Classes);
        Assert.Equal(m.ClassificationClasses.Count * m.Config.ClassificationTrainPerClass, cls.Count);

        Assert.Equal(m.Config.UnlabeledCount, new UnlabeledImageFolder(m.UnlabeledImages).Count);
    }
}
