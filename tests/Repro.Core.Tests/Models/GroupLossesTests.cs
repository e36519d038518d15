using Repro.Core.Models.Detection;
using static TorchSharp.torch;

namespace Repro.Core.Tests.Models;

/// <summary>RetinaNet.GroupLosses: one forward pass, each group's losses as if it were a batch of its own.</summary>
public class GroupLossesTests : TorchTestBase
{
    static DetectionTarget[] Targets() => new[]
    {
        DetectionTarget.FromArrays(new float[] { 7.3f, 12.9f, 29.1f, 33.7f }, new long[] { 2 }),
        DetectionTarget.FromArrays(Array.Empty<float>(), Array.Empty<long>()),
        DetectionTarget.FromArrays(new float[] { 20.6f, 3.1f, 45.8f, 21.7f, 35.2f, 30.4f, 61.9f, 58.3f }, new long[] { 1, 0 }),
        DetectionTarget.FromArrays(Array.Empty<float>(), Array.Empty<long>()),
        DetectionTarget.FromArrays(new float[] { 2f, 2f, 30f, 30f }, new long[] { 0 }),
    };

    [Fact]
    public void Each_group_equals_the_losses_of_that_group_alone()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        using var det = new RetinaNet(DetectorConfig.Miniature(numClasses: 3));
        det.eval();   // BatchNorm on running statistics: each image's outputs do not depend on the rest of the batch
        var images = randn(5, 3, 64, 64);
        var targets = Targets();
        var groups = det.GroupLosses(images, targets, new[] { 2, 3 });
        var first = det.Losses(images.narrow(0, 0, 2), targets.Take(2).ToArray());
        var second = det.Losses(images.narrow(0, 2, 3), targets.Skip(2).ToArray());
        foreach (var (group, alone) in new[] { (groups[0], first), (groups[1], second) })
            foreach (var key in new[] { "loss", "cls", "box", "num_pos" })
                Assert.Equal(alone[key].item<float>(), group[key].item<float>(), 5);
        Assert.True(groups[0]["num_pos"].item<float>() > 0 && groups[1]["num_pos"].item<float>() > 0);   // the comparison covers box losses
    }

    [Fact]
    public void Gradients_flow_from_every_group()
    {
        using var scope = NewDisposeScope();
        manual_seed(4);
        using var det = new RetinaNet(DetectorConfig.Miniature(numClasses: 3));
        var groups = det.GroupLosses(randn(5, 3, 64, 64), Targets(), new[] { 4, 1 });
        groups[1]["loss"].backward();   // the last group's single image
        Assert.Contains(det.Head.parameters(), p => p.grad is { } g && g.abs().sum().item<float>() > 0);
    }

    [Fact]
    public void Group_sizes_must_cover_the_batch_and_a_running_normalizer_is_refused()
    {
        using var scope = NewDisposeScope();
        using var det = new RetinaNet(DetectorConfig.Miniature(numClasses: 3));
        var images = randn(5, 3, 64, 64);
        Assert.Throws<ArgumentException>(() => det.GroupLosses(images, Targets(), new[] { 2, 2 }));
        Assert.Throws<ArgumentException>(() => det.GroupLosses(images, Targets(), new[] { 5, 0 }));
        using var running = new RetinaNet(DetectorConfig.Miniature(numClasses: 3) with { Loss = new LossConfig { PositiveCountMomentum = 0.9 } });
        Assert.Throws<InvalidOperationException>(() => running.GroupLosses(images, Targets(), new[] { 2, 3 }));
    }
}
