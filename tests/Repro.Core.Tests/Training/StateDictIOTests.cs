using Repro.Core.Training;
using TorchSharp;
using TorchSharp.Modules;
using static Repro.Core.Tests.Training.TrainingTestKit;
using static TorchSharp.torch;

namespace Repro.Core.Tests.Training;

[Collection(TorchGlobalRngCollection.Name)]
public class StateDictIOTests : TorchTestBase
{
    static Sequential Backbone(int channels = 4, bool withNorm = true) => withNorm
        ? nn.Sequential(("conv", nn.Conv2d(3, channels, 3)), ("bn", nn.BatchNorm2d(channels)))
        : nn.Sequential(("conv", nn.Conv2d(3, channels, 3)));

    static Sequential Detector() => nn.Sequential(
        ("backbone", Backbone()),
        ("pool", nn.AdaptiveAvgPool2d(1)),
        ("flat", nn.Flatten()),
        ("head", nn.Linear(4, 2)));

    /// <summary>A backbone whose batch-norm statistics are not the defaults, so buffers are really transferred.</summary>
    static Sequential TrainedBackbone()
    {
        manual_seed(5);
        var b = Backbone();
        b.train();
        using (no_grad()) b.forward(randn(2, 3, 8, 8) * 3 + 1).Dispose();
        return b;
    }

    [Fact]
    public void Partial_load_fills_the_prefix_and_leaves_the_rest_fresh()
    {
        using var dir = new TempDir();
        var path = dir.Sub("backbone.weights");
        var backbone = TrainedBackbone();
        StateDictIO.Save(backbone, path);

        manual_seed(9);
        var detector = Detector();
        var headBefore = Bits(detector).Where(kv => kv.Key.StartsWith("head.")).ToDictionary();
        var result = StateDictIO.LoadPartial(detector, path, targetPrefix: "backbone.");

        Assert.Equal(backbone.state_dict().Keys.Select(k => "backbone." + k), result.LoadedKeys);
        Assert.Equal(["head.weight", "head.bias"], result.UntouchedKeys);
        var loaded = Bits(detector);
        foreach (var (key, bits) in Bits(backbone)) Assert.Equal(bits, loaded["backbone." + key]);
        foreach (var (key, bits) in headBefore) Assert.Equal(bits, loaded[key]);
    }

    [Fact]
    public void Shape_mismatch_and_missing_keys_are_listed_and_nothing_is_loaded()
    {
        using var dir = new TempDir();
        var wide = dir.Sub("wide.weights");
        StateDictIO.Save(Backbone(channels: 5), wide);
        var detector = Detector();
        var before = Bits(detector);

        var e = Assert.Throws<StateDictMismatchException>(() => StateDictIO.LoadPartial(detector, wide, "backbone."));
        Assert.Contains(e.Mismatched, m => m.Key == "backbone.conv.weight" && m.Expected.Contains("[4, 3, 3, 3]") && m.Found.Contains("[5, 3, 3, 3]"));
        Assert.Contains("backbone.bn.running_mean", e.Mismatched.Select(m => m.Key));
        Assert.Contains(wide, e.Message);
        Assert.Empty(e.MissingKeys);
        var after = Bits(detector);
        foreach (var (key, bits) in before) Assert.Equal(bits, after[key]); // all or nothing

        var convOnly = dir.Sub("conv-only.weights");
        StateDictIO.Save(Backbone(withNorm: false), convOnly);
        var missing = Assert.Throws<StateDictMismatchException>(() => StateDictIO.LoadPartial(detector, convOnly, "backbone."));
        Assert.Equal(["backbone.bn.weight", "backbone.bn.bias", "backbone.bn.running_mean", "backbone.bn.running_var", "backbone.bn.num_batches_tracked"],
            missing.MissingKeys);
        Assert.Contains("5 missing key(s)", missing.Message);
    }

    [Fact]
    public void Unexpected_source_keys_fail_unless_allowed_and_source_prefix_selects_a_subtree()
    {
        var source = TrainedBackbone().state_dict().ToDictionary(kv => kv.Key, kv => kv.Value);
        source["fc.weight"] = zeros(10, 4);
        var detector = Detector();

        var e = Assert.Throws<StateDictMismatchException>(() => StateDictIO.LoadPartial(detector, source, "backbone."));
        Assert.Equal(["fc.weight"], e.UnexpectedKeys);

        var result = StateDictIO.LoadPartial(detector, source, "backbone.", allowUnexpected: true);
        Assert.Equal(["fc.weight"], result.IgnoredSourceKeys);
        Assert.Equal(5 + 2, result.LoadedKeys.Count);

        // the other way round: take a detector's backbone into a bare backbone
        var bare = Backbone();
        var back = StateDictIO.LoadPartial(bare, detector.state_dict(), targetPrefix: "", sourcePrefix: "backbone.");
        Assert.Equal(7, back.LoadedKeys.Count);
        var fromDetector = Bits(detector);
        foreach (var (key, bits) in Bits(bare)) Assert.Equal(fromDetector["backbone." + key], bits);

        Assert.Throws<ArgumentException>(() => StateDictIO.LoadPartial(detector, source, "neck."));
    }

    [Fact]
    public void Files_interoperate_with_torchsharp_module_save_and_load()
    {
        using var dir = new TempDir();
        var original = TrainedBackbone();

        var ours = dir.Sub("ours.weights");
        StateDictIO.Save(original, ours);
        manual_seed(77);
        var viaTorchSharp = Backbone();
        viaTorchSharp.load(ours);
        AssertBitwiseEqual(original, viaTorchSharp);

        var theirs = dir.Sub("theirs.weights");
        original.save(theirs);
        var read = StateDictIO.Read(theirs);
        Assert.Equal(original.state_dict().Keys, read.Keys);
        manual_seed(78);
        var viaOurs = Backbone();
        StateDictIO.Load(viaOurs, read);
        AssertBitwiseEqual(original, viaOurs);

        File.WriteAllBytes(dir.Sub("junk.weights"), [1, 2, 3]);
        Assert.Throws<InvalidDataException>(() => StateDictIO.Read(dir.Sub("junk.weights")));
        // A header that claims a float32 tensor of 10^12 elements (4 TB), or one with 4 elements and 8 bytes of data,
        // is reported naming the entry, with what it claims and what the file has.
        foreach (var (dim, expect) in new[] { (1_000_000_000_000L, "claims 4000000000000 bytes"), (4L, "claims 16 bytes") })
        {
            using (var writer = new BinaryWriter(File.Create(dir.Sub("damaged.weights"))))
            {
                writer.Write7BitEncodedInt64(1);
                writer.Write("layer.weight");
                writer.Write7BitEncodedInt64((long)ScalarType.Float32);
                writer.Write7BitEncodedInt64(1);
                writer.Write7BitEncodedInt64(dim);
                writer.Write(new byte[8]);
            }
            var e = Assert.Throws<InvalidDataException>(() => StateDictIO.Read(dir.Sub("damaged.weights")));
            Assert.Contains("'layer.weight'", e.Message);
            Assert.Contains(expect, e.Message);
            Assert.Contains("8 left", e.Message);
        }
        Assert.Throws<FileNotFoundException>(() => StateDictIO.Read(dir.Sub("absent.weights")));
    }

    [Fact]
    public void Checkpoint_round_trip_preserves_model_outputs_exactly()
    {
        using var dir = new TempDir();
        var model = Detector();
        model.train();
        using (no_grad()) model.forward(randn(4, 3, 8, 8)).Dispose(); // move batch-norm statistics off their defaults
        model.eval();
        var input = randn(3, 3, 8, 8);
        var expected = Values(model.forward(input));

        var o = Quick(1);
        var optimizer = OptimizerFactory.Create(o, ParameterGroups.Split(model, false));
        var path = dir.Sub("c.ckpt");
        TrainingCheckpoint.Save(path, new TrainingCheckpoint.Header(7, TrainingCheckpoint.Fingerprint(o), new Dictionary<string, double> { ["loss"] = 1.5 }), model, optimizer);

        manual_seed(1234);
        var restored = Detector();
        restored.eval();
        Assert.NotEqual(expected, Values(restored.forward(input)));
        var header = TrainingCheckpoint.LoadModel(path, restored);
        Assert.Equal(7, header.Step);
        Assert.Equal(1.5, header.Losses["loss"]);
        Assert.Equal(expected, Values(restored.forward(input)));

        var weights = dir.Sub("w.weights");
        StateDictIO.Save(model, weights);
        var viaWeights = Detector();
        StateDictIO.Load(viaWeights, weights);
        viaWeights.eval();
        Assert.Equal(expected, Values(viaWeights.forward(input)));

        File.WriteAllText(dir.Sub("bad.ckpt"), "not a checkpoint");
        Assert.Throws<InvalidDataException>(() => TrainingCheckpoint.ReadHeader(dir.Sub("bad.ckpt")));
    }
}
