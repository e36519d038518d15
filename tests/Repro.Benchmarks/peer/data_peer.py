"""PIL + torchvision peer of Repro's detection data path (the `peer-data` benchmark).

Per batch: read each PNG, decode it (PIL), augment it at level S1..S4 as Core/Augment does (policy, then horizontal
flip, then scale jitter + crop/pad to the output size) with torchvision's functional transforms, and collate the batch:
a normalised float tensor [B,3,S,S] plus boxes padded to the batch's largest box count (labels padded with -1).

The images come from --list, a JSON file Repro writes: [{"path", "boxes": [[x1,y1,x2,y2],...], "labels"}] in Repro's
sample order; batch k is samples (k mod batches-per-epoch)*B .. +B-1, as Repro's unshuffled loader with drop_last.
Random draws come from Python's own generator (same distributions as Repro's, not the same values).

Prints one JSON line: {"torch", "torchvision", "level", "batch_ms": [...], "boxes_per_image"}.
"""
import argparse
import json
import math
import random
import time

import numpy as np
import torch
import torchvision
import torchvision.transforms.functional as TF
from PIL import Image

FILL = 128
MEAN, STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
MIN_BOX = 1.0
# AugmentMagnitudes: level 0..10; pixel constants stated at a 640 px long side and scaled by the image's long side.
MAX_LEVEL, REF_SIZE = 10.0, 640.0
TRANSLATE_PX, TRANSLATE_BOX_PX, CUTOUT_PX, ROTATE_DEG, SHEAR, SOLARIZE_ADD_MAX, BOX_ONLY_DIVISOR = 250, 120, 100, 30, 0.3, 110, 3

# AutoAugment detection policy v0 (AutoAugmentDetection.V0Table): sub-policies of (op, probability, level).
V0 = [
    [("TranslateX_BBox", 0.6, 4), ("Equalize", 0.8, 10)],
    [("TranslateY_Only_BBoxes", 0.2, 2), ("Cutout", 0.8, 8)],
    [("Sharpness", 0.0, 8), ("ShearX_BBox", 0.4, 0)],
    [("ShearY_BBox", 1.0, 2), ("TranslateY_Only_BBoxes", 0.6, 6)],
    [("Rotate_BBox", 0.6, 10), ("Color", 1.0, 6)],
]
RAND_AUGMENT_OPS = ["AutoContrast", "Equalize", "Invert", "Rotate_BBox", "Posterize", "Solarize", "Color", "Contrast",
                    "Brightness", "Sharpness", "ShearX_BBox", "ShearY_BBox", "TranslateX_BBox", "TranslateY_BBox",
                    "Cutout", "SolarizeAdd"]
LEVELS = {  # (scale min, scale max, policy)
    "S1": (0.8, 1.2, None), "S2": (0.8, 1.2, "v0"), "S3": (0.5, 2.0, "v0"), "S4": (0.5, 2.0, "randaugment"),
}


def frac(level):
    return level / MAX_LEVEL


def enhance(level):
    return frac(level) * 1.8 + 0.1


def clip_boxes(boxes, labels, w, h):
    if len(boxes) == 0:
        return boxes, labels
    boxes = boxes.copy()
    boxes[:, [0, 2]] = boxes[:, [0, 2]].clip(0, w)
    boxes[:, [1, 3]] = boxes[:, [1, 3]].clip(0, h)
    keep = ((boxes[:, 2] - boxes[:, 0]) >= MIN_BOX) & ((boxes[:, 3] - boxes[:, 1]) >= MIN_BOX)
    return boxes[keep], labels[keep]


def affine(img, boxes, labels, angle=0.0, translate=(0, 0), shear=(0.0, 0.0)):
    """torchvision's affine (nearest neighbour, grey fill, about the centre) and the enclosing boxes of the moved corners."""
    w, h = img.size
    out = TF.affine(img, angle=angle, translate=list(translate), scale=1.0, shear=list(shear), fill=[FILL] * 3)
    if len(boxes) == 0:
        return out, boxes, labels
    inv = TF._get_inverse_affine_matrix([w * 0.5, h * 0.5], angle, list(translate), 1.0, list(shear))
    fwd = np.linalg.inv(np.array([inv[0:3], inv[3:6], [0, 0, 1]]))
    x1, y1, x2, y2 = boxes.T
    corners = np.stack([np.stack([x1, y1]), np.stack([x2, y1]), np.stack([x1, y2]), np.stack([x2, y2])])  # [4,2,n]
    xs = fwd[0, 0] * corners[:, 0] + fwd[0, 1] * corners[:, 1] + fwd[0, 2]
    ys = fwd[1, 0] * corners[:, 0] + fwd[1, 1] * corners[:, 1] + fwd[1, 2]
    moved = np.stack([xs.min(0), ys.min(0), xs.max(0), ys.max(0)], axis=1)
    return (out, *clip_boxes(moved, labels, w, h))


def cutout(img, half):
    w, h = img.size
    cx, cy = random.randrange(w), random.randrange(h)
    img = img.copy()
    img.paste((FILL, FILL, FILL), (max(cx - half, 0), max(cy - half, 0), min(cx + half, w), min(cy + half, h)))
    return img


def solarize_add(img, addition, threshold=128):
    a = np.asarray(img).astype(np.int16)
    return Image.fromarray(np.where(a < threshold, np.clip(a + addition, 0, 255), a).astype(np.uint8))


def apply_op(name, level, img, boxes, labels):
    scale = max(img.size) / REF_SIZE
    sign = 1 if random.random() < 0.5 else -1
    if name == "AutoContrast": return TF.autocontrast(img), boxes, labels
    if name == "Equalize": return TF.equalize(img), boxes, labels
    if name == "Invert": return TF.invert(img), boxes, labels
    if name == "Posterize": return TF.posterize(img, min(max(int(frac(level) * 4), 0), 8)), boxes, labels
    if name == "Solarize": return TF.solarize(img, int(frac(level) * 256)), boxes, labels
    if name == "SolarizeAdd": return solarize_add(img, int(frac(level) * SOLARIZE_ADD_MAX)), boxes, labels
    if name == "Color": return TF.adjust_saturation(img, enhance(level)), boxes, labels
    if name == "Contrast": return TF.adjust_contrast(img, enhance(level)), boxes, labels
    if name == "Brightness": return TF.adjust_brightness(img, enhance(level)), boxes, labels
    if name == "Sharpness": return TF.adjust_sharpness(img, enhance(level)), boxes, labels
    if name == "Cutout": return cutout(img, int(round(frac(level) * CUTOUT_PX * scale))), boxes, labels
    if name == "Rotate_BBox": return affine(img, boxes, labels, angle=sign * frac(level) * ROTATE_DEG)
    if name in ("ShearX_BBox", "ShearY_BBox"):
        deg = math.degrees(math.atan(sign * frac(level) * SHEAR))
        return affine(img, boxes, labels, shear=(deg, 0.0) if name == "ShearX_BBox" else (0.0, deg))
    if name in ("TranslateX_BBox", "TranslateY_BBox"):
        px = sign * round(frac(level) * TRANSLATE_PX * scale)
        return affine(img, boxes, labels, translate=(px, 0) if name == "TranslateX_BBox" else (0, px))
    raise ValueError(f"unknown op {name}")


def translate_y_in_boxes(img, boxes, probability, level):
    """TranslateY_Only_BBoxes: each box's content shifted inside the box, with probability / BOX_ONLY_DIVISOR per box."""
    scale = max(img.size) / REF_SIZE
    out = None
    for x1, y1, x2, y2 in np.round(boxes).astype(int):
        if x2 <= x1 or y2 <= y1 or random.random() >= probability / BOX_ONLY_DIVISOR:
            continue
        sign = 1 if random.random() < 0.5 else -1
        out = out or img.copy()
        region = out.crop((x1, y1, x2, y2))
        px = sign * round(frac(level) * TRANSLATE_BOX_PX * scale)
        out.paste(TF.affine(region, angle=0.0, translate=[0, px], scale=1.0, shear=[0.0, 0.0], fill=[FILL] * 3), (x1, y1))
    return out or img


def policy(kind, img, boxes, labels):
    if kind == "v0":
        for name, p, level in random.choice(V0):
            if name == "TranslateY_Only_BBoxes":  # as Repro's OnlyBoxes: no draw for the step, one per box
                img = translate_y_in_boxes(img, boxes, p, level)
            elif random.random() < p:
                img, boxes, labels = apply_op(name, level, img, boxes, labels)
    elif kind == "randaugment":
        for _ in range(2):
            img, boxes, labels = apply_op(random.choice(RAND_AUGMENT_OPS), 10, img, boxes, labels)
    return img, boxes, labels


def scale_jitter_crop(img, boxes, labels, size, smin, smax):
    w, h = img.size
    r = random.uniform(smin, smax) * size / max(w, h)
    nw, nh = max(1, round(w * r)), max(1, round(h * r))
    off_x = random.randint(0, max(math.floor(w * r - size), 0))
    off_y = random.randint(0, max(math.floor(h * r - size), 0))
    resized = TF.resize(img, [nh, nw], interpolation=TF.InterpolationMode.BILINEAR)
    out = Image.new("RGB", (size, size), (FILL, FILL, FILL))
    out.paste(resized.crop((off_x, off_y, min(off_x + size, nw), min(off_y + size, nh))), (0, 0))
    if len(boxes):
        boxes = boxes * r - np.array([off_x, off_y, off_x, off_y])
    return (out, *clip_boxes(boxes, labels, size, size))


def augment(img, boxes, labels, level, size):
    smin, smax, kind = LEVELS[level]
    img, boxes, labels = policy(kind, img, boxes, labels)
    if random.random() < 0.5:
        w = img.size[0]
        img = TF.hflip(img)
        if len(boxes):
            boxes = np.stack([w - boxes[:, 2], boxes[:, 1], w - boxes[:, 0], boxes[:, 3]], axis=1)
    return scale_jitter_crop(img, boxes, labels, size, smin, smax)


def batch(items, level, size):
    images, all_boxes, all_labels = [], [], []
    for item in items:
        with Image.open(item["path"]) as f:
            img = f.convert("RGB")
        img, boxes, labels = augment(img, item["boxes"], item["labels"], level, size)
        images.append(TF.pil_to_tensor(img))
        all_boxes.append(boxes); all_labels.append(labels)
    pixels = TF.normalize(torch.stack(images).float().div_(255), MEAN, STD)
    most = max(1, max(len(b) for b in all_boxes))
    boxes = torch.zeros(len(items), most, 4)
    labels = torch.full((len(items), most), -1, dtype=torch.long)
    for i, (b, l) in enumerate(zip(all_boxes, all_labels)):
        if len(b):
            boxes[i, :len(b)] = torch.from_numpy(b.astype(np.float32))
            labels[i, :len(l)] = torch.from_numpy(l)
    return pixels, boxes, labels


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--list", required=True)
    ap.add_argument("--level", choices=sorted(LEVELS), required=True)
    ap.add_argument("--batches", type=int, default=50)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(1)
    random.seed(a.seed)
    with open(a.list) as f:
        items = [{"path": e["path"], "boxes": np.array(e["boxes"], dtype=np.float64).reshape(-1, 4),
                  "labels": np.array(e["labels"], dtype=np.int64)} for e in json.load(f)]
    for item in items:  # every file read once before timing, as Repro does: both run on a warm file cache
        with open(item["path"], "rb") as f:
            f.read()
    per_epoch = len(items) // a.batch
    times, boxes = [], 0
    for step in range(a.warmup + a.batches):
        first = (step % per_epoch) * a.batch
        start = time.perf_counter()
        pixels, b, labels = batch(items[first:first + a.batch], a.level, a.size)
        elapsed = (time.perf_counter() - start) * 1e3
        if step >= a.warmup:
            times.append(elapsed)
            boxes += int((labels >= 0).sum())
    assert pixels.shape == (a.batch, 3, a.size, a.size) and pixels.dtype == torch.float32
    print(json.dumps({"torch": torch.__version__, "torchvision": torchvision.__version__, "level": a.level,
                      "batch_ms": times, "boxes_per_image": boxes / (a.batches * a.batch)}))


if __name__ == "__main__":
    main()
