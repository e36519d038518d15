using Repro.Core.Models.Backbones;
using TorchSharp;
using static TorchSharp.torch;

namespace Repro.Core.Models.Detection;

/// <summary>
/// RetinaNet (Lin et al. 2017): backbone → FPN → shared class/box head, trained with focal loss on anchors matched by
/// IoU, decoded and NMS-ed at inference. Parameter names: <c>backbone.*</c>, <c>fpn.*</c>, <c>head.*</c>; buffer
/// <c>positive_count_average</c> (the running positive-anchor count when <see cref="LossConfig.PositiveCountMomentum"/> is set).
/// </summary>
public sealed class RetinaNet : nn.Module<Tensor, (Tensor[] ClassLogits, Tensor[] BoxDeltas)>
{
    readonly Backbone backbone;
    readonly Fpn fpn;
    readonly RetinaNetHead head;
    readonly Tensor positive_count_average;
    readonly AnchorGenerator _anchors;
    readonly BoxCoder _coder;
    readonly Matcher _matcher;
    readonly PostProcessor _post;
    readonly int[] _strides;

    public RetinaNet(DetectorConfig config) : base(nameof(RetinaNet))
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        backbone = BackboneFactory.Create(config.Backbone);
        fpn = new Fpn(backbone.FeatureChannels, config.Fpn);
        _anchors = new AnchorGenerator(config.Anchors);
        head = new RetinaNetHead(config.Fpn.Channels, _anchors.AnchorsPerLocation, config.NumClasses, config.Head);
        positive_count_average = tensor((float)config.Loss.PositiveCountInit);
        register_buffer(nameof(positive_count_average), positive_count_average);
        RegisterComponents();
        _coder = new BoxCoder(config.BoxCoderWeights);
        _matcher = new Matcher(config.Matcher.PositiveThreshold, config.Matcher.NegativeThreshold, config.Matcher.AllowLowQualityMatches);
        _post = new PostProcessor(config.PostProcess, _coder);
        _strides = Enumerable.Range(config.Fpn.MinLevel, config.Fpn.LevelCount).Select(l => 1 << l).ToArray();
    }

    public DetectorConfig Config { get; }
    public Backbone Backbone => backbone;
    public Fpn Fpn => fpn;
    public RetinaNetHead Head => head;
    public AnchorGenerator AnchorGenerator => _anchors;
    public BoxCoder BoxCoder => _coder;
    /// <summary>Strides of the pyramid levels P_min..P_max.</summary>
    public IReadOnlyList<int> Strides => _strides;

    /// <summary>Where the detector's parameters are. Every entry point moves its images there and builds the targets'
    /// tensors there from their host copies, so callers may pass CPU batches.</summary>
    public Device Device => ModelDevice.Of(this);

    /// <summary>Raw head outputs per pyramid level: class logits [B, A_ℓ, C] and box deltas [B, A_ℓ, 4].</summary>
    public override (Tensor[] ClassLogits, Tensor[] BoxDeltas) forward(Tensor images) => Run(Input(images)).Outputs;

    /// <summary>Head outputs plus the pyramid's feature-map sizes (which the anchors follow), for images from <see cref="Input"/>.</summary>
    ((Tensor[] ClassLogits, Tensor[] BoxDeltas) Outputs, (int Height, int Width)[] Sizes) Run(Tensor images)
    {
        var features = fpn.call(backbone.call(images));
        var sizes = features.Select(f => ((int)f.shape[2], (int)f.shape[3])).ToArray();
        return (head.call(features), sizes);
    }

    /// <summary>Pyramid feature maps P_min..P_max (for inspection and FLOP counting).</summary>
    public Tensor[] Features(Tensor images) => fpn.call(backbone.call(Input(images)));

    /// <summary>Anchors per level [A_ℓ, 4] for an input of the given size (cached, owned by the generator).</summary>
    public Tensor[] AnchorsFor(IReadOnlyList<(int Height, int Width)> featureSizes, Device device) => _anchors.Anchors(featureSizes, _strides, device);

    /// <summary>
    /// Training losses for a batch: "cls" (focal loss over non-ignored anchors), "box" (box loss over positive anchors,
    /// times the box-loss weight) and "loss" = cls + box, each divided by the positive-anchor count.
    /// Also "num_pos" (positive anchors in the batch, no gradient).
    /// </summary>
    /// <param name="images">[B, 3, H, W] float, normalised (see <see cref="Data.Batching.ImageNormalization"/>).</param>
    /// <param name="targets">One per image: boxes in input pixels, contiguous labels.</param>
    public Dictionary<string, Tensor> Losses(Tensor images, IReadOnlyList<DetectionTarget> targets)
    {
        images = Input(images);
        if (targets.Count != images.shape[0])
            throw new ArgumentException($"{targets.Count} targets for a batch of {images.shape[0]} images", nameof(targets));
        var ((logitsPerLevel, deltasPerLevel), sizes) = Run(images);
        using var scope = NewDisposeScope();
        var anchors = cat(AnchorsFor(sizes, images.device), 0);
        var logits = cat(logitsPerLevel, 1);   // [B, A, C]
        var deltas = cat(deltasPerLevel, 1);   // [B, A, 4]
        return MoveOut(LossesOf(logits, deltas, anchors, targets, images.device, PositiveCount));
    }

    /// <summary>
    /// Training losses for a batch made of consecutive groups of images (e.g. the self-training student's human and
    /// pseudo-labelled halves): one forward pass over the whole batch (so BatchNorm sees all of it), then the losses of
    /// <see cref="Losses"/> for each group separately, each group normalised by its own positive-anchor count
    /// (max(1, positives)). Not available with a running positive count (<see cref="LossConfig.PositiveCountMomentum"/>), which
    /// is one value per batch.
    /// </summary>
    /// <param name="groupSizes">Image counts of the groups, in batch order; positive, summing to the batch size.</param>
    public IReadOnlyList<Dictionary<string, Tensor>> GroupLosses(Tensor images, IReadOnlyList<DetectionTarget> targets, IReadOnlyList<int> groupSizes)
    {
        images = Input(images);
        if (targets.Count != images.shape[0])
            throw new ArgumentException($"{targets.Count} targets for a batch of {images.shape[0]} images", nameof(targets));
        if (groupSizes.Count == 0 || groupSizes.Any(n => n <= 0) || groupSizes.Sum() != targets.Count)
            throw new ArgumentException($"group sizes [{string.Join(", ", groupSizes)}] must be positive and sum to the batch size {targets.Count}", nameof(groupSizes));
        if (Config.Loss.PositiveCountMomentum is not null)
            throw new InvalidOperationException("GroupLosses needs per-group positive counts; the running positive-anchor count (Loss.PositiveCountMomentum) is one value per batch");
        var ((logitsPerLevel, deltasPerLevel), sizes) = Run(images);
        using var scope = NewDisposeScope();
        var anchors = cat(AnchorsFor(sizes, images.device), 0);
        var logits = cat(logitsPerLevel, 1);
        var deltas = cat(deltasPerLevel, 1);
        var result = new List<Dictionary<string, Tensor>>(groupSizes.Count);
        int start = 0;
        foreach (var n in groupSizes)
        {
            var groupTargets = targets.Skip(start).Take(n).ToArray();
            result.Add(MoveOut(LossesOf(logits.narrow(0, start, n), deltas.narrow(0, start, n), anchors, groupTargets, images.device,
                                        numPos => numPos.clamp(min: 1))));
            start += n;
        }
        return result;
    }

    static Dictionary<string, Tensor> MoveOut(Dictionary<string, Tensor> parts)
    {
        foreach (var t in parts.Values) t.MoveToOuterDisposeScope();
        return parts;
    }

    /// <summary>The loss parts of <see cref="Losses"/> from head outputs [B, A, C] and [B, A, 4].</summary>
    Dictionary<string, Tensor> LossesOf(Tensor logits, Tensor deltas, Tensor anchors, IReadOnlyList<DetectionTarget> targets, Device device,
                                        Func<Tensor, Tensor> normalizerOf)
    {
        var (clsTarget, boxTarget, matches) = BuildTargets(anchors, targets, device);
        var positive = matches >= 0;                    // [B, A]
        var valid = (matches != Matcher.Ignore).unsqueeze(-1).to(logits.dtype);
        var numPos = positive.sum().to(ScalarType.Float32);

        var loss = Config.Loss;
        var normalizer = normalizerOf(numPos);
        var cls = (FocalLoss.Elementwise(logits, clsTarget, loss.FocalAlpha, loss.FocalGamma) * valid).sum() / normalizer;
        var boxElem = BoxRegressionLoss.Elementwise(deltas, boxTarget, loss.BoxLoss, loss.BoxLossParameter).sum(-1);
        var box = (boxElem * positive.to(boxElem.dtype)).sum() / (loss.BoxLossPerCoordinate ? normalizer * 4 : normalizer) * loss.BoxLossWeight;
        return new Dictionary<string, Tensor>
        {
            ["cls"] = cls,
            ["box"] = box,
            ["loss"] = cls + box,
            ["num_pos"] = numPos.detach(),
        };
    }

    /// <summary>Detections per image (eval mode, no gradient; the module's training flag is restored afterwards).</summary>
    public IReadOnlyList<ImageDetections> Detect(Tensor images)
    {
        images = Input(images);
        bool wasTraining = training;
        eval();
        try
        {
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            var ((logits, deltas), sizes) = Run(images);
            var anchors = AnchorsFor(sizes, images.device);
            return _post.Process(logits, deltas, anchors, (int)images.shape[2], (int)images.shape[3]);
        }
        finally { train(wasTraining); }
    }

    /// <summary>
    /// Targets for the whole batch at once: boxes padded to the largest box count (padding rows get IoU −1 so they never
    /// match). Returns class targets [B, A, C] (one-hot for positives), box targets [B, A, 4] (encoded; zero where
    /// unmatched) and matches [B, A].
    /// </summary>
    (Tensor Cls, Tensor Box, Tensor Matches) BuildTargets(Tensor anchors, IReadOnlyList<DetectionTarget> targets, Device device)
    {
        int batch = targets.Count, c = Config.NumClasses;
        var boxes = new float[batch][]; var labels = new long[batch][];
        for (int i = 0; i < batch; i++) (boxes[i], labels[i]) = ReadTarget(targets[i], i, c);
        int g = labels.Max(l => l.Length);
        var paddedBoxes = new float[batch * g * 4];
        var paddedLabels = new long[batch * g];
        var padding = new bool[batch * g];
        for (int i = 0; i < batch; i++)
        {
            Array.Copy(boxes[i], 0, paddedBoxes, i * g * 4, boxes[i].Length);
            Array.Copy(labels[i], 0, paddedLabels, i * g, labels[i].Length);
            for (int k = labels[i].Length; k < g; k++) padding[i * g + k] = true;
        }
        var gtBoxes = tensor(paddedBoxes, new long[] { batch, g, 4 }).to(device);
        var gtLabels = tensor(paddedLabels, new long[] { batch, g }).to(device);
        var iou = BoxIou.Matrix(gtBoxes, anchors).masked_fill_(tensor(padding, new long[] { batch, g, 1 }).to(device), -1f);
        var matches = _matcher.Match(iou);                                           // [B, A]
        long a = anchors.shape[0];
        if (g == 0) return (zeros(batch, a, c, device: device), zeros(batch, a, 4, device: device), matches);
        var idx = matches.clamp(min: 0);
        var pos = (matches >= 0).unsqueeze(-1);
        var cls = nn.functional.one_hot(gtLabels.gather(1, idx), c).to(ScalarType.Float32) * pos;
        var matched = gtBoxes.gather(1, idx.unsqueeze(-1).expand(batch, a, 4));
        var box = where(pos, _coder.Encode(anchors, matched), zeros(1, device: device));
        return (cls, box, matches);
    }

    /// <summary>One target as arrays, validated (shapes, label range, non-degenerate boxes).</summary>
    static (float[] Boxes, long[] Labels) ReadTarget(DetectionTarget t, int index, int numClasses)
    {
        var b = t.Boxes; var l = t.Labels;
        if (b.dim() != 2 || b.shape[1] != 4 || l.dim() != 1 || l.shape[0] != b.shape[0])
            throw new ArgumentException($"target {index}: boxes must be [N,4] and labels [N], got [{string.Join(",", b.shape)}] and [{string.Join(",", l.shape)}]", "targets");
        if (l.shape[0] == 0) return (Array.Empty<float>(), Array.Empty<long>());   // (TorchSharp cannot read empty tensors)
        var boxes = b.to(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();
        var labels = l.to(ScalarType.Int64).cpu().contiguous().data<long>().ToArray();
        for (int k = 0; k < labels.Length; k++)
        {
            if (labels[k] < 0 || labels[k] >= numClasses)
                throw new ArgumentException($"target {index}: labels must be in 0..{numClasses - 1}, got {labels[k]}", "targets");
            if (!(boxes[4 * k + 2] > boxes[4 * k] && boxes[4 * k + 3] > boxes[4 * k + 1]))
                throw new ArgumentException($"target {index}: box {k} [{string.Join(", ", boxes.Skip(4 * k).Take(4))}] has no area", "targets");
        }
        return (boxes, labels);
    }

    Tensor PositiveCount(Tensor numPos)
    {
        var momentum = Config.Loss.PositiveCountMomentum;
        if (momentum is null) return numPos.clamp(min: 1);
        if (training)
            using (no_grad()) positive_count_average.mul_(momentum.Value).add_(numPos * (1 - momentum.Value));
        return positive_count_average.clamp(min: 1);
    }

    /// <summary>The images, checked, on the detector's device.</summary>
    Tensor Input(Tensor images)
    {
        if (images.dim() != 4 || images.shape[1] != 3)
            throw new ArgumentException($"images must be [B, 3, H, W], got [{string.Join(",", images.shape)}]", nameof(images));
        return ModelDevice.On(images, Device);
    }
}
