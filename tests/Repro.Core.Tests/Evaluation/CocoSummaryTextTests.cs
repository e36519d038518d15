using Repro.Core.Evaluation.Coco;

namespace Repro.Core.Tests.Evaluation;

public class CocoSummaryTextTests
{
    [Fact]
    public void Text_matches_the_pycocotools_summarize_layout()
    {
        var s = new CocoEvalSummary
        {
            AP = 0.3456, AP50 = 0.5, AP75 = 0.0625, APs = -1, APm = 0.1875, APl = 0.99999,
            AR1 = 0.1, AR10 = 0.2, AR100 = 0.30049, ARs = -1, ARm = 0.5625, ARl = 1,
        };
        const string expected =
            " Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.346\n" +
            " Average Precision  (AP) @[ IoU=0.50      | area=   all | maxDets=100 ] = 0.500\n" +
            " Average Precision  (AP) @[ IoU=0.75      | area=   all | maxDets=100 ] = 0.062\n" +
            " Average Precision  (AP) @[ IoU=0.50:0.95 | area= small | maxDets=100 ] = -1.000\n" +
            " Average Precision  (AP) @[ IoU=0.50:0.95 | area=medium | maxDets=100 ] = 0.188\n" +
            " Average Precision  (AP) @[ IoU=0.50:0.95 | area= large | maxDets=100 ] = 1.000\n" +
            " Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=  1 ] = 0.100\n" +
            " Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets= 10 ] = 0.200\n" +
            " Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.300\n" +
            " Average Recall     (AR) @[ IoU=0.50:0.95 | area= small | maxDets=100 ] = -1.000\n" +
            " Average Recall     (AR) @[ IoU=0.50:0.95 | area=medium | maxDets=100 ] = 0.562\n" +
            " Average Recall     (AR) @[ IoU=0.50:0.95 | area= large | maxDets=100 ] = 1.000\n";
        Assert.Equal(expected, s.ToText());
    }

    [Theory]   // expectations are Python's '{:0.3f}'.format(v): exact binary value, ties to even
    [InlineData(0.0625, "0.062")]
    [InlineData(0.1875, "0.188")]
    [InlineData(-0.0625, "-0.062")]
    [InlineData(0.0005, "0.001")]    // binary value slightly above the tie
    [InlineData(0.0015, "0.002")]
    [InlineData(0.9999999999999998, "1.000")]
    [InlineData(-1.0, "-1.000")]
    public void Three_decimals_round_like_python(double v, string expected) =>
        Assert.Equal(expected, CocoSummaryText.Fixed(v, 3));
}
