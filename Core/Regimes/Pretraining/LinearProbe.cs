using System.Diagnostics;
using Repro.Core.Models.Backbones;
using Repro.Core.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace Repro.Core.Regimes.Pretraining;

/// <summary>What a linear probe measured (accuracies in percent).</summary>
public sealed record LinearProbeResult(double TrainTop1, double ValTop1, double FinalLoss, int FeatureDim, int TrainImages, int ValImages, TimeSpan Elapsed)
{
    /// <summary>The result as run metrics: linear_probe_top1, linear_probe_train_top1, linear_probe_loss, linear_probe_seconds.</summary>
    public Dictionary<string, double> ToMetrics() => new()
    {
        ["linear_probe_top1"] = ValTop1,
        ["linear_probe_train_top1"] = TrainTop1,
        ["linear_probe_loss"] = FinalLoss,
        ["linear_probe_seconds"] = Elapsed.TotalSeconds,
    };
}

/// <summary>
/// Linear evaluation of a representation (the standard protocol for self-supervised features, used here for every
/// pre-training method and for a random backbone): a multinomial logistic regression on frozen features, fitted
/// full-batch with Adam from zero weights (the problem is convex, so the result does not depend on a seed).
/// </summary>
public static class LinearProbe
{
    /// <summary>Fits on (<paramref name="trainFeatures"/> [N, D], labels) and scores on the val features.</summary>
    public static LinearProbeResult Fit(Tensor trainFeatures, IReadOnlyList<long> trainLabels, Tensor valFeatures, IReadOnlyList<long> valLabels,
                                        int numClasses, LinearProbeOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (trainFeatures.dim() != 2 || valFeatures.dim() != 2 || trainFeatures.shape[1] != valFeatures.shape[1])
            throw new ArgumentException($"features must be [N, D] with one D, got [{string.Join(", ", trainFeatures.shape)}] and [{string.Join(", ", valFeatures.shape)}]");
        if (trainFeatures.shape[0] != trainLabels.Count || valFeatures.shape[0] != valLabels.Count)
            throw new ArgumentException("feature rows and label counts differ");
        if (numClasses < 2) throw new ArgumentOutOfRangeException(nameof(numClasses), numClasses, "need at least 2 classes");
        if (trainLabels.Concat(valLabels).Any(l => l < 0 || l >= numClasses))
            throw new ArgumentException($"labels must be in 0..{numClasses - 1}");
        var clock = Stopwatch.StartNew();
        long d = trainFeatures.shape[1];

        using var outer = NewDisposeScope();
        var xTrain = trainFeatures.to(ScalarType.Float32).cpu();
        var xVal = valFeatures.to(ScalarType.Float32).cpu();
        if (options.Standardize)
        {
            var mean = xTrain.mean(new long[] { 0 }, keepdim: true);
            var std = xTrain.std(0, unbiased: false, keepdim: true).clamp_min(1e-6);
            xTrain = (xTrain - mean) / std;
            xVal = (xVal - mean) / std;
        }
        var yTrain = tensor(trainLabels.ToArray());
        var w = nn.Parameter(zeros(d, numClasses));
        var b = nn.Parameter(zeros(numClasses));
        using var optimizer = optim.Adam(new[] { w, b }, lr: options.LearningRate);
        double loss = double.NaN;
        try
        {
            for (int step = 0; step < options.Steps; step++)
            {
                ct.ThrowIfCancellationRequested();
                GcPause.AtSafePoint();
                using var scope = NewDisposeScope();
                optimizer.zero_grad();
                var ce = nn.functional.cross_entropy(xTrain.matmul(w) + b, yTrain);
                var total = options.WeightDecay > 0 ? ce + w.pow(2).sum() * (0.5 * options.WeightDecay) : ce;
                total.backward();
                optimizer.step();
                if (step == options.Steps - 1) loss = ce.item<float>();
            }
        }
        finally
        {
            GcPause.End();
        }
        double trainTop1, valTop1;
        using (no_grad())
        {
            trainTop1 = ClassificationInference.Top1(xTrain.matmul(w) + b, trainLabels);
            valTop1 = ClassificationInference.Top1(xVal.matmul(w) + b, valLabels);
        }
        return new LinearProbeResult(trainTop1, valTop1, loss, (int)d, trainLabels.Count, valLabels.Count, clock.Elapsed);
    }

    /// <summary>Global-average-pooled C5 of a backbone [B, C5 channels]: the frozen representation that is probed.</summary>
    public static Tensor PooledFeatures(Backbone backbone, Tensor images) =>
        nn.functional.adaptive_avg_pool2d(backbone.call(images)[2], 1).flatten(1);

    /// <summary>Extracts the backbone's pooled features of both labelled splits (frozen, eval mode) and fits the probe.</summary>
    public static LinearProbeResult OfBackbone(Backbone backbone, PretrainingData data, int imageSize, LinearProbeOptions options,
                                               Device? device = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(backbone);
        ArgumentNullException.ThrowIfNull(data);
        device ??= CPU;
        backbone.to(device);
        using var train = ClassificationInference.Run(backbone, x => PooledFeatures(backbone, x), data.Train, imageSize, options.FeatureBatchSize, device, ct);
        using var val = ClassificationInference.Run(backbone, x => PooledFeatures(backbone, x), data.Val, imageSize, options.FeatureBatchSize, device, ct);
        return Fit(train, PretrainingData.LabelsOf(data.Train), val, PretrainingData.LabelsOf(data.Val), data.NumClasses, options, ct);
    }
}
