using Repro.Core.Data.Images;
using Repro.Core.Models;
using Repro.Core.Models.Detection;
using static TorchSharp.torch;

namespace Repro.Core.Tests.Models;

public class PostProcessorTests : TorchTestBase
{
    // One level, three anchors, two classes, 64×64 image.
    static readonly float[] Anchors = { 0, 0, 10, 10, 1, 1, 11, 11, 50, 50, 70, 70 };
    static readonly float[] Logits = { 3, -5, 2, -5, -5, 0 };   // σ: .9526/.0067, .8808/.0067, .0067/.5

    static IReadOnlyList<ImageDetections> Run(PostProcessConfig config, float[]? deltas = null)
    {
        var post = new PostProcessor(config, new BoxCoder());
        var logits = tensor(Logits, new long[] { 1, 3, 2 });
        var d = tensor(deltas ?? new float[12], new long[] { 1, 3, 4 });
        return post.Process(new[] { logits }, new[] { d }, new[] { tensor(Anchors, new long[] { 3, 4 }) }, 64, 64);
    }

    [Fact]
    public void ThresholdDecodeClipAndClassWiseNms()
    {
        var r = Run(new PostProcessConfig()).Single();
        // anchor 1 (class 0) overlaps anchor 0 with IoU 81/119 > 0.5 and is suppressed; class-1 scores of anchors 0, 1 are
        // below 0.05; anchor 2's class 1 (0.5) survives, clipped from [50,50,70,70] to the image.
        Assert.Equal(new[] { 0, 1 }, r.Labels);
        Assert.Equal(new[] { 1 / (1 + MathF.Exp(-3)), 0.5f }, r.Scores, new FloatClose(1e-5f));
        Assert.Equal(new float[] { 0, 0, 10, 10, 50, 50, 64, 64 }, r.Boxes, new FloatClose(1e-4f));
    }

    [Fact]
    public void TopKScoreThresholdAndMaxDetectionsLimit()
    {
        Assert.Equal(new[] { 0 }, Run(new PostProcessConfig { TopKPerLevel = 1 }).Single().Labels);
        Assert.Equal(new[] { 0 }, Run(new PostProcessConfig { MaxDetections = 1 }).Single().Labels);
        Assert.Equal(new[] { 0 }, Run(new PostProcessConfig { ScoreThreshold = 0.6 }).Single().Labels);
        // with NMS at 0.7 the two class-0 boxes (IoU 0.68) both stay, in score order
        var loose = Run(new PostProcessConfig { NmsThreshold = 0.7 }).Single();
        Assert.Equal(new[] { 0, 0, 1 }, loose.Labels);
        Assert.Equal(new float[] { 1, 1, 11, 11 }, loose.Boxes.Skip(4).Take(4).ToArray(), new FloatClose(1e-4f));
    }

    [Fact]
    public void DeltasAreDecodedAgainstTheirAnchor()
    {
        // anchor 0 (10×10 at centre 5,5): dx 0.1 → +1 px, dw log 2 → width 20.
        var deltas = new float[12];
        deltas[0] = 0.1f; deltas[2] = MathF.Log(2);
        var r = Run(new PostProcessConfig(), deltas).Single();
        Assert.Equal(new float[] { 0, 0, 16, 10 }, r.Boxes.Take(4).ToArray(), new FloatClose(1e-4f));   // [-4, 0, 16, 10] clipped at 0
    }
}
