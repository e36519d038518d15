using static TorchSharp.torch;

namespace Repro.Core.Models.Detection;

/// <summary>
/// RetinaNet inference post-processing, per image: per level keep class scores σ(logit) above the threshold, at most
/// the top-k of them; decode their boxes; clip to the image; then class-wise NMS over all levels and keep the
/// highest-scoring <see cref="PostProcessConfig.MaxDetections"/>.
/// </summary>
public sealed class PostProcessor
{
    readonly PostProcessConfig _config;
    readonly BoxCoder _coder;

    public PostProcessor(PostProcessConfig config, BoxCoder coder)
    {
        config.Validate();
        (_config, _coder) = (config, coder);
    }

    /// <param name="classLogits">Per level [B, A_ℓ, C].</param>
    /// <param name="boxDeltas">Per level [B, A_ℓ, 4].</param>
    /// <param name="anchors">Per level [A_ℓ, 4].</param>
    /// <param name="imageHeight">Input height (boxes are clipped to it).</param>
    /// <param name="imageWidth">Input width.</param>
    public IReadOnlyList<ImageDetections> Process(Tensor[] classLogits, Tensor[] boxDeltas, Tensor[] anchors, int imageHeight, int imageWidth)
    {
        if (classLogits.Length != boxDeltas.Length || classLogits.Length != anchors.Length)
            throw new ArgumentException($"levels disagree: {classLogits.Length} logits, {boxDeltas.Length} deltas, {anchors.Length} anchor sets");
        using var scope = NewDisposeScope();
        long batch = classLogits[0].shape[0];
        var results = new ImageDetections[batch];
        var scores = classLogits.Select(t => t.detach().sigmoid()).ToArray();
        for (long b = 0; b < batch; b++)
        {
            var boxes = new List<float>(); var sc = new List<float>(); var labels = new List<int>();
            for (int l = 0; l < scores.Length; l++)
            {
                long numClasses = scores[l].shape[2];
                var s = scores[l][b].flatten();
                var idx = nonzero(s > _config.ScoreThreshold).flatten();
                if (idx.shape[0] == 0) continue;
                var sel = s.index_select(0, idx);
                if (idx.shape[0] > _config.TopKPerLevel)
                {
                    var (top, order) = sel.topk(_config.TopKPerLevel);
                    sel = top; idx = idx.index_select(0, order);
                }
                var anchorIdx = idx.div(numClasses, RoundingMode.floor);
                var label = idx.remainder(numClasses);
                var decoded = _coder.Decode(boxDeltas[l][b].detach().index_select(0, anchorIdx), anchors[l].index_select(0, anchorIdx));
                var xs = decoded[.., TensorIndex.Slice(0, 4, 2)].clamp(0, imageWidth);
                var ys = decoded[.., TensorIndex.Slice(1, 4, 2)].clamp(0, imageHeight);
                var clipped = stack(new[] { xs[.., 0], ys[.., 0], xs[.., 1], ys[.., 1] }, 1).contiguous().cpu();
                boxes.AddRange(clipped.data<float>());
                sc.AddRange(sel.contiguous().cpu().data<float>());
                labels.AddRange(label.cpu().data<long>().Select(v => (int)v));
            }
            results[b] = Select(boxes.ToArray(), sc.ToArray(), labels.ToArray());
        }
        return results;
    }

    ImageDetections Select(float[] boxes, float[] scores, int[] labels)
    {
        if (scores.Length == 0) return ImageDetections.Empty;
        var keep = Nms.ClassWise(boxes, scores, labels, (float)_config.NmsThreshold, _config.MaxDetections);
        var kb = new float[keep.Length * 4]; var ks = new float[keep.Length]; var kl = new int[keep.Length];
        for (int i = 0; i < keep.Length; i++)
        {
            Array.Copy(boxes, keep[i] * 4, kb, i * 4, 4);
            ks[i] = scores[keep[i]]; kl[i] = labels[keep[i]];
        }
        return new ImageDetections(kb, ks, kl);
    }
}
