using Repro.Core.Data.Batching;
using Repro.Core.Data.ImageFolder;
using Repro.Core.Regimes.Pretraining;
using Repro.Core.Tests.Data;

namespace Repro.Core.Tests.Regimes.Pretraining;

public class ClassificationLoaderTests
{
    [Fact]
    public void UnaugmentedBatchEqualsTheDetectionCollatorsNormalisation()
    {
        using var data = new TinyClassificationData(size: 16, trainPerClass: 4, valPerClass: 1, unlabeled: 1);
        var set = new ImageFolderDataset(data.TrainRoot);
        var loader = new ClassificationLoader(set, batchSize: 5, seed: 2, size: 16, (img, _, _, _) => img, workers: 0);
        var batch = loader.CollateAt(3);
        var expected = new BatchCollator().Collate(batch.Indices.Select(i => new Repro.Core.Data.LabelledImage { Image = set.Get(i).Image }).ToList());
        Assert.Equal(expected.Pixels, batch.Pixels);
        Assert.Equal(5, batch.Indices.Distinct().Count());
    }

    [Fact]
    public void BatchesArePureFunctionsOfTheStepWhateverTheWorkersOrStart()
    {
        using var data = new TinyClassificationData(size: 16, trainPerClass: 4, valPerClass: 1, unlabeled: 1);
        var set = new ImageFolderDataset(data.TrainRoot);
        ClassificationLoader Make(int workers) => new(set, 4, 9, 12,
            (img, epoch, index, view) => ClassificationImages.Resize(TempDataDir.Pattern(12, 12, epoch * 100 + index * 3 + view), 12), views: 2, workers: workers);
        var serial = Make(0).Stream(0, 8).ToList();
        var parallel = Make(2).Stream(5, 8).ToList();
        for (int k = 0; k < 3; k++)
        {
            Assert.Equal(serial[5 + k].Indices, parallel[k].Indices);
            Assert.Equal(serial[5 + k].Pixels, parallel[k].Pixels);
        }
        // 12 images in batches of 4 → 3 per epoch; epoch 1 is a new permutation of all images.
        Assert.Equal(Enumerable.Range(0, 12), serial.Take(3).SelectMany(b => b.Indices).Order());
        Assert.Equal(Enumerable.Range(0, 12), serial.Skip(3).Take(3).SelectMany(b => b.Indices).Order());
        Assert.Equal(1, serial[3].Epoch);
        // Views are view-major: rows 0..B-1 are view 0, rows B..2B-1 view 1.
        var b0 = serial[0];
        int plane = 3 * 12 * 12;
        var v1 = new float[plane];
        ClassificationLoader.Fill(TempDataDir.Pattern(12, 12, b0.Indices[2] * 3 + 1), v1, new ImageNormalization().Table());
        Assert.Equal(v1, b0.Pixels.AsSpan((4 + 2) * plane, plane).ToArray());
    }

    [Fact]
    public void ResizeMapsTheWholeImage()
    {
        var img = TempDataDir.Pattern(8, 8, 0);
        Assert.Same(img, ClassificationImages.Resize(img, 8));
        var up = ClassificationImages.Resize(img, 16);
        // 2× upscaling, pixel (2x+0.5, 2y+0.5)... corner pixels replicate the source corners (edge-clamped bilinear).
        Assert.Equal(img.Pixels.Take(3), up.Pixels.Take(3));
        var solid = new Repro.Core.Data.Images.RgbImage(5, 7, Enumerable.Repeat((byte)77, 5 * 7 * 3).ToArray());
        Assert.All(ClassificationImages.Resize(solid, 9).Pixels, v => Assert.Equal(77, v));
    }
}
