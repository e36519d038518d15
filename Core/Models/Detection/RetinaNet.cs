using Repro.Core.Models.Backbones;
using TorchSharp;
using static TorchSharp.torch;

namespace Repro.Core.Models.Detection;

/// <summary>
/// RetinaNet (Lin et al. 2017): backbone → FPN → shared class/box head, trained with focal loss on anchors matched by
/// IoU, decoded and NMS-ed at inference. Parameter names: <c>backbone.*</c>, <c>fpn.*</c>, <c>head.*</c>; buffer
/// <c>loss_normalizer</c> (the running positive-anchor count when <see cref="LossConfig.NormalizerMomentum"/> is set).
/// </summary>
public sealed class RetinaNet : nn.Module<Tensor, (Tensor[] ClassLogits, Tensor[] BoxDeltas)>
{
    readonly Backbone backbone;
    readonly Fpn fpn;
    readonly RetinaNetHead head;
    readonly Tensor loss_normalizer;
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
        loss_normalizer = tensor((float)config.Loss.NormalizerInit);
        register_buffer(nameof(loss_normalizer), loss_normalizer);
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

    /// <summary>Raw head outputs per pyramid level: class logits [B, A_ℓ, C] and box deltas [B, A_ℓ, 4].</summary>
    public override (Tensor[] ClassLogits, Tensor[] BoxDeltas) forward(Tensor images) => Run(images).Outputs;

    /// <summary>Head outputs plus the pyramid's feature-map sizes (which the anchors follow).</summary>
    ((Tensor[] ClassLogits, Tensor[] BoxDeltas) Outputs, (int Height, int Width)[] Sizes) Run(Tensor images)
    {
        CheckImages(images);
        var features = fpn.call(backbone.call(images));
        var sizes = features.Select(f => ((int)f.shape[2], (int)f.shape[3])).ToArray();
        return (head.call(features), sizes);
    }

    /// <summary>Pyramid feature maps P_min..P_max (for inspection and FLOP counting).</summary>
    public Tensor[] Features(Tensor images) => fpn.call(backbone.call(images));

    /// <summary>Anchors per level [A_ℓ, 4] for an input of the given size (cached, owned by the generator).</summary>
    public Tensor[] AnchorsFor(IReadOnlyList<(int Height, int Width)> featureSizes, Device device) => _anchors.Anchors(featureSizes, _strides, device);

    /// <summary>
    /// Training losses for a batch: "cls" (focal loss over non-ignored anchors), "box" (box loss over positive anchors,
    /// times the box-loss weight) and "loss" = cls + box, each divided by the positive-anchor normaliser.
    /// Also "num_pos" (positive anchors in the batch, no gradient).
    /// </summary>
    /// <param name="images">[B, 3, H, W] float, normalised (see <see cref="ImageNormalization"/>).</param>
    /// <param name="targets">One per image: boxes in input pixels, contiguous labels.</param>
    public Dictionary<string, Tensor> Losses(Tensor images, IReadOnlyList<DetectionTarget> targets)
    {
        CheckImages(images);
        if (targets.Count != images.shape[0])
            throw new ArgumentException($"{targets.Count} targets for a batch of {images.shape[0]} images", nameof(targets));
        var ((logitsPerLevel, deltasPerLevel), sizes) = Run(images);
        using var scope = NewDisposeScope();
        var anchors = cat(AnchorsFor(sizes, images.device), 0);
        var logits = cat(logitsPerLevel, 1);   // [B, A, C]
        var deltas = cat(deltasPerLevel, 1);   // [B, A, 4]
        var (clsTarget, boxTarget, matches) = BuildTargets(anchors, targets, images.device);
        var positive = matches >= 0;                    // [B, A]
        var valid = (matches != Matcher.Ignore).unsqueeze(-1).to(logits.dtype);
        var numPos = positive.sum().to(ScalarType.Float32);

        var loss = Config.Loss;
        var normalizer = Normalizer(numPos);
        var cls = (FocalLoss.Elementwise(logits, clsTarget, loss.FocalAlpha, loss.FocalGamma) * valid).sum() / normalizer;
        var boxElem = BoxRegressionLoss.Elementwise(deltas, boxTarget, loss.BoxLoss, loss.BoxLossParameter).sum(-1);
        var box = (boxElem * positive.to(boxElem.dtype)).sum() / (loss.BoxLossPerCoordinate ? normalizer * 4 : normalizer) * loss.BoxLossWeight;
        var result = new Dictionary<string, Tensor>
        {
            ["cls"] = cls.MoveToOuterDisposeScope(),
            ["box"] = box.MoveToOuterDisposeScope(),
            ["loss"] = (cls + box).MoveToOuterDisposeScope(),
            ["num_pos"] = numPos.detach().MoveToOuterDisposeScope(),
        };
        return result;
    }

    /// <summary>Detections per image (eval mode, no gradient; the module's training flag is restored afterwards).</summary>
    public IReadOnlyList<ImageDetections> Detect(Tensor images)
    {
        CheckImages(images);
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

    /// <summary>Per image: class targets [A, C] (one-hot for positives), box targets [A, 4] (encoded; zero where unmatched), matches [A].</summary>
    (Tensor Cls, Tensor Box, Tensor Matches) BuildTargets(Tensor anchors, IReadOnlyList<DetectionTarget> targets, Device device)
    {
        long a = anchors.shape[0];
        int c = Config.NumClasses;
        var cls = new Tensor[targets.Count]; var box = new Tensor[targets.Count]; var matches = new Tensor[targets.Count];
        for (int i = 0; i < targets.Count; i++)
        {
            var t = targets[i];
            var gtBoxes = t.Boxes.to(ScalarType.Float32, device);
            var gtLabels = t.Labels.to(ScalarType.Int64, device);
            if (gtBoxes.dim() != 2 || gtBoxes.shape[1] != 4 || gtLabels.dim() != 1 || gtLabels.shape[0] != gtBoxes.shape[0])
                throw new ArgumentException($"target {i}: boxes must be [N,4] and labels [N], got [{string.Join(",", gtBoxes.shape)}] and [{string.Join(",", gtLabels.shape)}]", nameof(targets));
            long n = gtBoxes.shape[0];
            if (n > 0)
            {
                var (lo, hi) = (gtLabels.min().item<long>(), gtLabels.max().item<long>());
                if (lo < 0 || hi >= c) throw new ArgumentException($"target {i}: labels must be in 0..{c - 1}, got {lo}..{hi}", nameof(targets));
            }
            var m = _matcher.Match(BoxIou.Matrix(gtBoxes, anchors));
            matches[i] = m;
            if (n == 0)
            {
                cls[i] = zeros(a, c, device: device);
                box[i] = zeros(a, 4, device: device);
                continue;
            }
            var idx = m.clamp(min: 0);
            var pos = (m >= 0).unsqueeze(-1);
            cls[i] = nn.functional.one_hot(gtLabels.index_select(0, idx), c).to(ScalarType.Float32) * pos;
            box[i] = where(pos, _coder.Encode(anchors, gtBoxes.index_select(0, idx)), zeros(a, 4, device: device));
        }
        return (stack(cls), stack(box), stack(matches));
    }

    Tensor Normalizer(Tensor numPos)
    {
        var momentum = Config.Loss.NormalizerMomentum;
        if (momentum is null) return numPos.clamp(min: 1);
        if (training)
            using (no_grad()) loss_normalizer.mul_(momentum.Value).add_(numPos * (1 - momentum.Value));
        return loss_normalizer.clamp(min: 1);
    }

    void CheckImages(Tensor images)
    {
        if (images.dim() != 4 || images.shape[1] != 3)
            throw new ArgumentException($"images must be [B, 3, H, W], got [{string.Join(",", images.shape)}]", nameof(images));
    }
}
