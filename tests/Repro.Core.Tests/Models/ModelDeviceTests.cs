using Repro.Core.Augment;
using Repro.Core.Augment.Classification;
using Repro.Core.Data.Batching;
using Repro.Core.Data.Coco;
using Repro.Core.Data.ImageFolder;
using Repro.Core.Data.Loading;
using Repro.Core.Data.Voc;
using Repro.Core.Experiments;
using Repro.Core.Models;
using Repro.Core.Models.Detection;
using Repro.Core.Models.Segmentation;
using Repro.Core.Regimes.JointTraining;
using Repro.Core.Regimes.Segmentation;
using Repro.Core.Regimes.SelfTraining;
using Repro.Core.Tests.Miniature;
using Repro.Core.Tests.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Repro.Core.Tests.Models;

/// <summary>
/// Every tensor that reaches a model's modules is on the model's device, though loaders and inference build their
/// batches on the CPU: the models move their inputs (<see cref="ModelDevice"/>). To see a difference without a GPU,
/// each model is moved to libtorch's "meta" device (tensors without storage), fed the CPU batches that training
/// (supervised, self-training, joint), evaluation and pseudo-labelling feed it, and a forward pre-hook on every
/// submodule records the device of the first input that reaches one, then stops the pass (libtorch has no meta
/// convolution, so nothing past that first module could run anyway).
/// </summary>
[Collection(TorchGlobalRngCollection.Name)]
public class ModelDeviceTests(SmokeMiniatureFixture mini) : TorchTestBase, IClassFixture<SmokeMiniatureFixture>
{
    static readonly Device Meta = device("meta");

    /// <summary>Stops a pass at the first submodule input, which <see cref="FirstInputDevice"/> has recorded.</summary>
    sealed class InputReached : Exception;

    /// <summary>The device of the first tensor to reach a submodule of <paramref name="model"/> during <paramref name="pass"/>.</summary>
    static DeviceType FirstInputDevice(nn.Module model, Action pass)
    {
        DeviceType? seen = null;
        Tensor Record(Tensor input)
        {
            seen = input.device_type;
            throw new InputReached();
        }
        var removals = new List<Action>();
        foreach (var (name, module) in model.named_modules())
        {
            if (name == "") continue;   // the model itself: its input is the caller's, before the move
            if (module is nn.Module<Tensor, Tensor> single) removals.Add(single.register_forward_pre_hook((_, x) => Record(x)).remove);
            else if (module is nn.Module<Tensor, Tensor[]> multi) removals.Add(multi.register_forward_pre_hook((_, x) => Record(x)).remove);
        }
        try { Assert.Throws<InputReached>(pass); }
        finally { removals.ForEach(remove => remove()); }
        return seen!.Value;
    }

    DetectionExperimentConfig Detection => new()
    {
        Data = new DetectionDataConfig
        {
            TrainImages = mini.Manifest.DetectionTrainImages, TrainAnnotations = mini.Manifest.DetectionTrainAnnotations,
            ValImages = mini.Manifest.DetectionValImages, ValAnnotations = mini.Manifest.DetectionValAnnotations,
            SmallMaxArea = mini.Manifest.SmallMaxArea, LargeMinArea = mini.Manifest.LargeMinArea,
        },
        Detector = DetectorConfig.Miniature(mini.Manifest.DetectionCategories.Count),
        Augment = AugmentConfig.ForLevel(AugmentLevel.S1, mini.Config.ImageSize),
    };

    RetinaNet MetaDetector()
    {
        var model = new RetinaNet(Detection.Detector);
        model.to(Meta);
        Assert.Equal(DeviceType.META, model.Device.type);
        return model;
    }

    DetectionLoader TrainLoader(long seed) =>
        DetectionRunParts.CreateLoader(CocoDetectionDataset.Open(Detection.Data.TrainImages, Detection.Data.TrainAnnotations), 2, seed, Detection);

    [Fact]
    public void Supervised_and_self_training_batches_reach_the_detector_on_its_device()
    {
        using var scope = NewDisposeScope();
        using var model = MetaDetector();
        using var batch = TrainLoader(0).BatchAt(0);
        Assert.Equal(DeviceType.CPU, batch.Images.device_type);
        Assert.Equal(DeviceType.META, FirstInputDevice(model, () => model.Losses(batch.Images, DetectionRunParts.Targets(batch))));
        Assert.Equal(DeviceType.META, FirstInputDevice(model, () => model.forward(batch.Images)));

        using var mixed = new MixedBatchStream(TrainLoader(0), TrainLoader(1)).BatchAt(0);
        var images = mixed.Images();
        Assert.Equal(DeviceType.CPU, images.device_type);
        Assert.Equal(DeviceType.META, FirstInputDevice(model, () => model.GroupLosses(images, mixed.Targets(), mixed.GroupSizes)));
    }

    [Fact]
    public void Joint_training_classification_batches_reach_the_shared_backbone_on_its_device()
    {
        using var scope = NewDisposeScope();
        var pool = new ImageFolderDataset(mini.Manifest.ClassificationTrain);
        using var joint = new JointDetectionClassifier(MetaDetector(), pool.Classes.Count);
        var stream = new ClassificationBatchStream(pool, new ClassificationAugmentConfig { OutputSize = 64 }, 2, 0);
        using var batch = stream.BatchAt(0);
        Assert.Equal(DeviceType.CPU, batch.Images.device_type);
        Assert.Equal(DeviceType.META, FirstInputDevice(joint, () => joint.ClassificationLoss(batch)));
    }

    [Fact]
    public void Evaluation_and_pseudo_labelling_run_the_detector_on_its_device()
    {
        using var model = MetaDetector();
        var data = Detection.Data;
        Assert.Equal(DeviceType.META, FirstInputDevice(model, () =>
            DetectionEvaluation.Evaluate(model, data.ValImages, data.ValAnnotations, DetectionEvaluation.ParamsFor(data), 4)));
        // PseudoLabeling's teacher goes through this on the device it is given.
        Assert.Equal(DeviceType.META, FirstInputDevice(model, () =>
            DetectorInference.Run(model, new UnlabeledImageFolder(mini.Manifest.UnlabeledImages), 4)));
    }

    [Fact]
    public void Segmentation_batches_and_inference_reach_the_model_on_its_device()
    {
        using var scope = NewDisposeScope();
        using var model = new SegmentationModel(SegmentationModelConfig.Miniature(mini.Manifest.SegmentationClasses.Count));
        model.to(Meta);
        var train = new VocSegmentationDataset(mini.Manifest.VocRoot, "train");
        int size = model.Config.InputSize;
        var loader = new DetectionLoader(train, new LoaderOptions { BatchSize = 2, Collate = new CollateOptions { FixedHeight = size, FixedWidth = size } });
        using var batch = loader.BatchAt(0);
        Assert.Equal(DeviceType.CPU, batch.Images.device_type);
        Assert.Equal(DeviceType.META, FirstInputDevice(model, () => model.Losses(batch.Images, batch.Masks!)));
        Assert.Equal(DeviceType.META, FirstInputDevice(model, () => model.Probabilities(batch.Images)));
        var val = new VocSegmentationDataset(mini.Manifest.VocRoot, "val");
        Assert.Equal(DeviceType.META, FirstInputDevice(model, () => SegmentationEvaluation.Evaluate(model, val, 2)));
    }

    [SkippableFact]
    public void Pseudo_labelling_takes_a_device_and_refuses_an_unavailable_one()
    {
        Skip.If(cuda.is_available());
        var config = new PseudoLabelConfig
        {
            TeacherWeights = mini.Manifest.DetectionTrainAnnotations,   // any existing file: the device is refused first
            Detector = Detection.Detector, UnlabeledImages = mini.Manifest.UnlabeledImages,
            CategoriesFrom = mini.Manifest.DetectionTrainAnnotations, Device = "cuda",
        };
        var e = Assert.Throws<ArgumentException>(() => PseudoLabeling.Run(config, Path.Combine(mini.CacheRoot, "pseudo-cuda")));
        Assert.Contains("CUDA is not available", e.Message);
    }
}
