using Repro.Core.Data;
using Repro.Core.Data.Batching;
using Repro.Core.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace Repro.Core.Regimes.Pretraining;

/// <summary>
/// Runs a model over every image of a set without augmentation (each image resized whole to the input size,
/// normalised like the training batches), in eval mode without gradients, and gathers the outputs on the CPU.
/// Inference loops pause the GC between batches (<see cref="GcPause"/>, the TorchSharp 0.107 Scalar workaround).
/// </summary>
public static class ClassificationInference
{
    /// <summary>
    /// Outputs [N, D] (float32, CPU; the caller disposes) of <paramref name="forward"/> on images 0 … N−1 of
    /// <paramref name="images"/>. <paramref name="model"/> is put in eval mode for the pass and restored afterwards.
    /// </summary>
    public static Tensor Run(nn.Module model, Func<Tensor, Tensor> forward, ILabelledImageSet images, int size, int batchSize,
                             Device? device = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(forward);
        ArgumentNullException.ThrowIfNull(images);
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batch size must be positive");
        if (images.Count == 0) throw new ArgumentException("the image set is empty", nameof(images));
        device ??= CPU;
        var table = new ImageNormalization().Table();
        int batches = (images.Count + batchSize - 1) / batchSize, plane = size * size;

        float[] Host(long b)
        {
            int start = checked((int)b * batchSize), n = Math.Min(batchSize, images.Count - start);
            var pixels = new float[n * 3 * plane];
            for (int i = 0; i < n; i++)
                ClassificationLoader.Fill(ClassificationImages.Resize(images.Get(start + i).Image, size), pixels.AsSpan(i * 3 * plane, 3 * plane), table);
            return pixels;
        }

        var outputs = new List<float[]>(batches);
        long width = -1;
        bool wasTraining = model.training;
        model.eval();
        try
        {
            foreach (var pixels in OrderedPrefetch.Stream(Host, 0, batches, workers: 1, prefetch: 2))
            {
                ct.ThrowIfCancellationRequested();
                GcPause.AtSafePoint();
                using var scope = NewDisposeScope();
                using var noGrad = no_grad();
                var x = tensor(pixels, new long[] { pixels.Length / (3 * plane), 3, size, size }).to(device);
                var y = forward(x);
                if (y.dim() != 2) throw new InvalidOperationException($"inference output must be [B, D], got [{string.Join(", ", y.shape)}]");
                width = y.shape[1];
                outputs.Add(y.to(ScalarType.Float32).cpu().contiguous().data<float>().ToArray());
            }
        }
        finally
        {
            GcPause.End();
            model.train(wasTraining);
        }
        var all = new float[outputs.Sum(o => o.Length)];
        int offset = 0;
        foreach (var o in outputs) { o.CopyTo(all, offset); offset += o.Length; }
        return tensor(all, new long[] { images.Count, width });
    }

    /// <summary>Top-1 accuracy in percent of logits [N, C] against labels.</summary>
    public static double Top1(Tensor logits, IReadOnlyList<long> labels)
    {
        if (logits.shape[0] != labels.Count) throw new ArgumentException($"{logits.shape[0]} rows of logits for {labels.Count} labels");
        using var scope = NewDisposeScope();
        var predicted = logits.argmax(1).data<long>().ToArray();
        int correct = 0;
        for (int i = 0; i < predicted.Length; i++) if (predicted[i] == labels[i]) correct++;
        return 100.0 * correct / labels.Count;
    }
}
