using Repro.Core.Models.Detection;
using static TorchSharp.torch;

namespace Repro.Core.Tests.Models;

public class BoxCoderTests : TorchTestBase
{
    [Fact]
    public void EncodeMatchesHandComputedDeltas()
    {
        // anchor centre (5,5) size 10×10; box centre (6,8) size 10×12.
        var anchor = tensor(new float[] { 0, 0, 10, 10 }, new long[] { 1, 4 });
        var box = tensor(new float[] { 1, 2, 11, 14 }, new long[] { 1, 4 });
        var d = new BoxCoder().Encode(anchor, box).data<float>().ToArray();
        Assert.Equal(new[] { 0.1f, 0.3f, 0f, (float)Math.Log(1.2) }, d, new FloatClose(1e-6f));
        var dw = new BoxCoder(10, 10, 5, 5).Encode(anchor, box).data<float>().ToArray();
        Assert.Equal(new[] { 1f, 3f, 0f, (float)(5 * Math.Log(1.2)) }, dw, new FloatClose(1e-5f));
    }

    [Fact]
    public void DecodeInvertsEncodeOnRandomBoxes()
    {
        var rng = new Random(7);
        int n = 200;
        float[] Boxes()
        {
            var b = new float[n * 4];
            for (int i = 0; i < n; i++)
            {
                float x = (float)rng.NextDouble() * 100, y = (float)rng.NextDouble() * 100;
                b[4 * i] = x; b[4 * i + 1] = y;
                b[4 * i + 2] = x + 1 + (float)rng.NextDouble() * 80; b[4 * i + 3] = y + 1 + (float)rng.NextDouble() * 80;
            }
            return b;
        }
        var anchors = tensor(Boxes(), new long[] { n, 4 });
        var boxes = tensor(Boxes(), new long[] { n, 4 });
        var coder = new BoxCoder(10, 10, 5, 5);
        var back = coder.Decode(coder.Encode(anchors, boxes), anchors);
        Assert.True(back.allclose(boxes, rtol: 1e-4, atol: 1e-3));
    }

    [Fact]
    public void DecodeClampsLargeScaleDeltas()
    {
        var anchor = tensor(new float[] { 0, 0, 16, 16 }, new long[] { 1, 4 });
        var deltas = tensor(new float[] { 0, 0, 50, -1 }, new long[] { 1, 4 });
        var b = new BoxCoder().Decode(deltas, anchor).data<float>().ToArray();
        // width clamps at 16·exp(log(1000/16)) = 1000 around centre 8; height = 16·e^−1.
        Assert.Equal(8 - 500f, b[0], 2);
        Assert.Equal(8 + 500f, b[2], 2);
        Assert.Equal(16 * Math.Exp(-1), b[3] - b[1], 4);
    }
}

/// <summary>Float comparer with an absolute tolerance.</summary>
sealed class FloatClose(float tolerance) : IEqualityComparer<float>
{
    public bool Equals(float a, float b) => Math.Abs(a - b) <= tolerance;
    public int GetHashCode(float x) => 0;
}
