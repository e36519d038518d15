"""PyTorch peer of Repro's miniature RetinaNet training step (DetectorConfig.Miniature()), matched layer for layer, so
that the `peer-train` benchmark can time both on the same machine. Plain torch, no torchvision: every op mirrors the
C# code (Core/Models/...), so both sides ask libtorch for the same ops in the same order; what differs is the library
under them (its version and build) and the language driving it.

  retinanet_peer.py [--threads N] [--steps N] [--warmup N] [--batch N] [--size N]   one JSON line of step timings
  retinanet_peer.py --check [--batch N] [--size N]                                  one JSON line of the model's shape
"""
import argparse
import json
import math
import os
import random
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

NUM_CLASSES = 6
STEM_WIDTH, WIDTHS = 16, (16, 32, 64, 96)   # ResNetSpec.Mini: one basic block per stage, 3x3 stride-2 stem
FPN_CHANNELS, HEAD_CONVS = 64, 2            # FpnConfig (P3-P5, no extra levels), HeadConfig { Convs = 2 }
STRIDES = (8, 16, 32)
ANCHOR_SIZE_FACTOR, SCALES_PER_OCTAVE, ASPECT_RATIOS = 1.5, 2, (0.5, 1.0, 2.0)
BOX_CODER_WEIGHTS = (1.0, 1.0, 1.0, 1.0)
POSITIVE_IOU, NEGATIVE_IOU = 0.5, 0.4       # MatcherConfig, low-quality matches allowed
FOCAL_ALPHA, FOCAL_GAMMA = 0.25, 2.0        # LossConfig: box loss L1, both normalised by max(1, positives)
BOX_LOSS_WEIGHT = 1.0
PRIOR_PROBABILITY = 0.01
NEGATIVE, IGNORE = -1, -2


class ConvNormAct(nn.Module):
    """conv (no bias) -> BatchNorm (eps 1e-5, momentum 0.1) -> optional ReLU (ConvNormAct.cs)."""

    def __init__(self, cin, cout, kernel, stride, relu):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, kernel, stride=stride, padding=kernel // 2, bias=False)
        self.norm = nn.BatchNorm2d(cout, eps=1e-5, momentum=0.1)
        self.relu = relu
        nn.init.kaiming_normal_(self.conv.weight, mode="fan_out", nonlinearity="relu")

    def forward(self, x):
        y = self.norm(self.conv(x))
        return F.relu(y, inplace=True) if self.relu else y


class BasicBlock(nn.Module):
    """Two 3x3 ConvNormActs plus a strided 1x1 projection when the shape changes (ResidualBlock, Basic)."""

    def __init__(self, cin, width, stride):
        super().__init__()
        self.body = nn.Sequential(ConvNormAct(cin, width, 3, stride, True), ConvNormAct(width, width, 3, 1, False))
        self.downsample = ConvNormAct(cin, width, 1, stride, False) if stride != 1 or cin != width else None

    def forward(self, x):
        shortcut = x if self.downsample is None else self.downsample(x)
        return F.relu(self.body(x) + shortcut, inplace=True)


class ResNetMini(nn.Module):
    """Stem (stride 2, no pool) -> four stride-2 stages; returns C3, C4, C5 (ResNet.cs with ResNetSpec.Mini)."""

    def __init__(self):
        super().__init__()
        self.stem = ConvNormAct(3, STEM_WIDTH, 3, 2, True)
        cins = (STEM_WIDTH,) + WIDTHS[:-1]
        # The first stage strides too: the 3x3 stem reaches only stride 2 (ResNet.cs: stride 4 / stemStride).
        self.layers = nn.ModuleList(BasicBlock(cin, w, 2) for cin, w in zip(cins, WIDTHS))

    def forward(self, x):
        x = self.layers[0](self.stem(x))
        c3 = self.layers[1](x)
        c4 = self.layers[2](c3)
        return c3, c4, self.layers[3](c4)


class Fpn(nn.Module):
    """1x1 laterals, nearest top-down sum, 3x3 outputs on P3-P5 (Fpn.cs); kaiming-uniform(a=1) weights, zero biases."""

    def __init__(self, in_channels):
        super().__init__()
        self.lateral = nn.ModuleList(nn.Conv2d(c, FPN_CHANNELS, 1) for c in in_channels)
        self.output = nn.ModuleList(nn.Conv2d(FPN_CHANNELS, FPN_CHANNELS, 3, padding=1) for _ in in_channels)
        for name, p in self.named_parameters():
            if name.endswith("weight"):
                nn.init.kaiming_uniform_(p, a=1)
            else:
                nn.init.zeros_(p)

    def forward(self, features):
        inner = [None] * len(features)
        inner[-1] = self.lateral[-1](features[-1])
        for i in range(len(features) - 2, -1, -1):
            lat = self.lateral[i](features[i])
            inner[i] = lat + F.interpolate(inner[i + 1], size=lat.shape[-2:], mode="nearest")
        return [out(x) for out, x in zip(self.output, inner)]


class Subnet(nn.Module):
    """HEAD_CONVS x (3x3 conv + ReLU), then a 3x3 conv to anchors x outputs, flattened [B, H*W*A, outputs] (RetinaNetSubnet)."""

    def __init__(self, anchors, outputs, final_bias):
        super().__init__()
        self.convs = nn.ModuleList(nn.Conv2d(FPN_CHANNELS, FPN_CHANNELS, 3, padding=1) for _ in range(HEAD_CONVS))
        self.output = nn.Conv2d(FPN_CHANNELS, anchors * outputs, 3, padding=1)
        self.outputs = outputs
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.normal_(m.weight, 0, 0.01)
                nn.init.zeros_(m.bias)
        nn.init.constant_(self.output.bias, final_bias)

    def forward(self, x):
        for conv in self.convs:
            x = F.relu(conv(x), inplace=True)
        y = self.output(x)
        return y.permute(0, 2, 3, 1).reshape(y.shape[0], -1, self.outputs)


class RetinaNetMini(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = ResNetMini()
        self.fpn = Fpn(WIDTHS[1:])
        a = SCALES_PER_OCTAVE * len(ASPECT_RATIOS)
        self.classification = Subnet(a, NUM_CLASSES, -math.log((1 - PRIOR_PROBABILITY) / PRIOR_PROBABILITY))
        self.regression = Subnet(a, 4, 0.0)

    def forward(self, images):
        levels = self.fpn(self.backbone(images))
        return [self.classification(p) for p in levels], [self.regression(p) for p in levels], levels


def level_anchors(stride, height, width):
    """[H*W*A, 4] xyxy, centres at cell centres, order cell row-major then ratio then scale (AnchorGenerator.cs)."""
    cell = []
    for r in ASPECT_RATIOS:
        for k in range(SCALES_PER_OCTAVE):
            size = ANCHOR_SIZE_FACTOR * stride * 2 ** (k / SCALES_PER_OCTAVE)
            cell.append((size / math.sqrt(r), size * math.sqrt(r)))
    wh = torch.tensor(cell, dtype=torch.float64)
    ys, xs = torch.meshgrid((torch.arange(height, dtype=torch.float64) + 0.5) * stride,
                            (torch.arange(width, dtype=torch.float64) + 0.5) * stride, indexing="ij")
    centres = torch.stack([xs, ys], -1).reshape(-1, 1, 2)
    # Computed in double and rounded once, as the C# generator does.
    return torch.cat([centres - wh / 2, centres + wh / 2], -1).reshape(-1, 4).float()


def box_iou(a, b):
    """IoU [..., N, M] of boxes a [..., N, 4] and b [M, 4]; 0 where the union is empty (BoxIou.Matrix)."""
    area_a = (a[..., 2] - a[..., 0]).clamp(min=0) * (a[..., 3] - a[..., 1]).clamp(min=0)
    area_b = (b[..., 2] - b[..., 0]).clamp(min=0) * (b[..., 3] - b[..., 1]).clamp(min=0)
    lt = torch.maximum(a[..., :2].unsqueeze(-2), b[..., :2])
    rb = torch.minimum(a[..., 2:].unsqueeze(-2), b[..., 2:])
    wh = (rb - lt).clamp(min=0)
    inter = wh[..., 0] * wh[..., 1]
    union = area_a.unsqueeze(-1) + area_b - inter
    return torch.where(union > 0, inter / union.clamp(min=1e-12), torch.zeros_like(inter))


def match(iou):
    """Matched box per anchor [B, A], or NEGATIVE / IGNORE; low-quality matches allowed (Matcher.Match)."""
    best, best_box = iou.max(-2)
    matches = best_box.clone()
    matches.masked_fill_(best < NEGATIVE_IOU, NEGATIVE)
    matches.masked_fill_((best >= NEGATIVE_IOU).logical_and(best < POSITIVE_IOU), IGNORE)
    per_box = iou.amax(-1, keepdim=True)
    attains = iou.eq(per_box).logical_and(per_box > 0).any(-2)
    return torch.where(attains, best_box, matches)


def centre_size(b):
    w = b[..., 2] - b[..., 0]
    h = b[..., 3] - b[..., 1]
    return b[..., 0] + 0.5 * w, b[..., 1] + 0.5 * h, w, h


def encode(anchors, boxes):
    (ax, ay, aw, ah), (gx, gy, gw, gh) = centre_size(anchors), centre_size(boxes)
    wx, wy, ww, wh = BOX_CODER_WEIGHTS
    return torch.stack([(gx - ax) / aw * wx, (gy - ay) / ah * wy, (gw / aw).log() * ww, (gh / ah).log() * wh], -1)


def focal_loss(logits, targets):
    """Element-wise sigmoid focal loss written with log-sigmoids, as FocalLoss.Elementwise."""
    log_p, log_1mp, p = F.logsigmoid(logits), F.logsigmoid(-logits), logits.sigmoid()
    ce = -(targets * log_p + (1 - targets) * log_1mp)
    p_t = p * targets + (1 - p) * (1 - targets)
    alpha_t = FOCAL_ALPHA * targets + (1 - FOCAL_ALPHA) * (1 - targets)
    return alpha_t * (1 - p_t).pow(FOCAL_GAMMA) * ce


def losses(model, images, anchors, gt_boxes, gt_labels, padding):
    """RetinaNet.Losses: targets for the whole batch at once (padding rows get IoU -1), focal + L1 over max(1, positives)."""
    cls_levels, box_levels, _ = model(images)
    logits, deltas = torch.cat(cls_levels, 1), torch.cat(box_levels, 1)
    b, a = logits.shape[0], anchors.shape[0]
    matches = match(box_iou(gt_boxes, anchors).masked_fill_(padding.unsqueeze(-1), -1))
    idx = matches.clamp(min=0)
    pos = (matches >= 0).unsqueeze(-1)
    cls_target = F.one_hot(gt_labels.gather(1, idx), NUM_CLASSES).float() * pos
    matched = gt_boxes.gather(1, idx.unsqueeze(-1).expand(b, a, 4))
    box_target = torch.where(pos, encode(anchors, matched), torch.zeros(1))
    positive = matches >= 0
    valid = (matches != IGNORE).unsqueeze(-1).to(logits.dtype)
    normalizer = positive.sum().float().clamp(min=1)
    cls = (focal_loss(logits, cls_target) * valid).sum() / normalizer
    box_elem = (deltas - box_target).abs().sum(-1)
    box = (box_elem * positive.to(box_elem.dtype)).sum() / normalizer * BOX_LOSS_WEIGHT
    return cls + box


def synthetic_batch(batch, size, seed=1):
    """Noise images and 1-4 boxes each, as DetectorTrainBenchmark.SyntheticBatch draws them (other random numbers, same
    distribution), pre-collated: boxes padded to the largest count with a padding mask."""
    rng = random.Random(seed)
    per_image = []
    for _ in range(batch):
        boxes = []
        for _ in range(rng.randrange(1, 5)):
            w, h = rng.randrange(size // 6, size // 2), rng.randrange(size // 6, size // 2)
            x, y = rng.randrange(0, size - w), rng.randrange(0, size - h)
            boxes.append(([x, y, x + w, y + h], rng.randrange(NUM_CLASSES)))
        per_image.append(boxes)
    g = max(len(b) for b in per_image)
    gt_boxes, gt_labels = torch.zeros(batch, g, 4), torch.zeros(batch, g, dtype=torch.long)
    padding = torch.ones(batch, g, dtype=torch.bool)
    for i, boxes in enumerate(per_image):
        for k, (box, label) in enumerate(boxes):
            gt_boxes[i, k], gt_labels[i, k], padding[i, k] = torch.tensor(box, dtype=torch.float32), label, False
    images = torch.randn(batch, 3, size, size, generator=torch.Generator().manual_seed(seed))
    return images, gt_boxes, gt_labels, padding


def parameter_count(module):
    return sum(p.numel() for p in module.parameters())


def check(model, batch, size):
    """The shapes `peer-train --check` compares with Repro's model."""
    model.train()
    with torch.no_grad():
        cls_levels, box_levels, levels = model(torch.zeros(batch, 3, size, size))
    anchors = [level_anchors(s, p.shape[2], p.shape[3]) for s, p in zip(STRIDES, levels)]
    return {
        "parameters": parameter_count(model),
        "parameters_backbone": parameter_count(model.backbone),
        "parameters_fpn": parameter_count(model.fpn),
        "parameters_head": parameter_count(model.classification) + parameter_count(model.regression),
        "anchors_per_level": [a.shape[0] for a in anchors],
        # Sum of squared coordinates: depends on every anchor's centre and size, unlike a plain sum.
        "anchor_square_sums": [a.double().square().sum().item() for a in anchors],
        "feature_shapes": [list(p.shape) for p in levels],
        "class_shapes": [list(c.shape) for c in cls_levels],
        "box_shapes": [list(b.shape) for b in box_levels],
        "torch": torch.__version__,
    }


def timed_steps(model, batch, size, steps, warmup):
    """Milliseconds of each SGD step after the warm-up (zeroing, forward + loss, backward, update, freeing)."""
    images, gt_boxes, gt_labels, padding = synthetic_batch(batch, size)
    with torch.no_grad():
        _, _, levels = model(images[:1])
    # Anchors once, as Repro's generator caches them.
    anchors = torch.cat([level_anchors(s, p.shape[2], p.shape[3]) for s, p in zip(STRIDES, levels)])
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4)
    model.train()

    def step():
        # Zero-fill like TorchSharp's zero_grad (newer torch would set grads to None by default).
        opt.zero_grad(set_to_none=False)
        losses(model, images, anchors, gt_boxes, gt_labels, padding).backward()
        opt.step()

    times = []
    for i in range(warmup + steps):
        t0 = time.perf_counter()
        step()
        if i >= warmup:
            times.append((time.perf_counter() - t0) * 1000)
    return times


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--check", action="store_true", help="print parameter counts, anchors and output shapes instead")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = RetinaNetMini()
    if args.check:
        print(json.dumps(check(model, args.batch, args.size)))
        return
    times = timed_steps(model, args.batch, args.size, args.steps, args.warmup)
    print(json.dumps({
        "ms_per_step_median": statistics.median(times),
        "ms_per_step_mean": statistics.fmean(times),
        "step_ms": times,
        "parameters": parameter_count(model),
        "threads": torch.get_num_threads(),
        "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY"),
        "torch": torch.__version__,
    }))


if __name__ == "__main__":
    main()
