"""Preparing a picture as the network's input: a 28x28 image made the way MNIST's were.

MNIST's digits are light strokes on black, the digit scaled into a 20x20 box and placed so that
its centre of mass is at the centre of a 28x28 field. Digits as people have them are not: dark
ink on paper that is grey and unevenly lit, a drawing with a transparent background, a small
digit in a corner of a page, a photo with specks of dirt. So a picture goes through:

1. Alpha onto white: a canvas drawing (black ink on transparent) becomes ink on paper.
2. Background removed: the paper's brightness is estimated block by block (a bright percentile,
   smoothed) and the ink is what is darker than its paper, so uneven light and grey paper
   vanish. A picture whose border is dark (light ink, like MNIST itself) is inverted first.
3. The digit found: the ink is thresholded (Otsu's method), split into connected parts, and the
   largest part is kept with the parts near it (the two strokes of a 5), not specks or page
   edges elsewhere.
4. Framed like MNIST: scaled into 20x20, centre of mass at the centre of 28x28.

A picture of a Fashion-MNIST item (`frame="fit"`) fills its square, as the dataset's do: it is
only inverted where needed and resized.

`prepare` also says when there is no digit to see: a blank page, too little ink, or ink
everywhere (noise); the network's own doubt (a flat distribution) is judged by the caller.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

WORK_SIZE = 256  # the longest side that the digit is looked for at
MIN_CONTRAST = 24.0  # of 255: ink that is less darker than its paper is no ink
MIN_INK_FRACTION = 0.0005  # of the picture: less is a speck, not a digit
MAX_INK_FRACTION = 0.35  # more is noise or a dark picture, not a digit on paper
NEAR = 0.35  # parts within this fraction of the main part's size belong to the digit


@dataclass
class Prepared:
    """The 28x28 input in [0, 1] (light on dark), and why it may not show a digit (or None)."""

    image: np.ndarray
    warning: str | None = None


def _resize(gray: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """(H, W) float -> size (h, w), antialiased."""
    img = Image.fromarray(np.clip(gray, 0, 255).astype(np.float32), mode="F")
    return np.asarray(img.resize((size[1], size[0]), Image.Resampling.LANCZOS), dtype=np.float32)


def to_gray(pixels: np.ndarray) -> np.ndarray:
    """(H, W), (H, W, 3) or (H, W, 4) uint8 -> (H, W) float32 in [0, 255]; a transparent pixel
    counts as white paper."""
    pixels = np.asarray(pixels, dtype=np.float32)
    if pixels.ndim == 2:
        return pixels
    rgb, alpha = pixels[..., :3], pixels[..., 3:] / 255.0 if pixels.shape[-1] == 4 else 1.0
    gray = rgb @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    return gray * np.squeeze(alpha) + 255.0 * (1 - np.squeeze(alpha))


def _running(gray: np.ndarray, window: int, pick) -> np.ndarray:
    """The max (pick=np.maximum) or min (np.minimum) over a window x window square around every
    pixel. Along each axis, the extreme of a window of 2k values is that of two windows of k,
    so log2(window) passes do the work of `window`."""
    half = window // 2
    for axis in (0, 1):
        widths = [(half, window - 1 - half) if a == axis else (0, 0) for a in (0, 1)]
        out = np.pad(gray, widths, mode="edge")
        n = gray.shape[axis]
        span = 1
        while span * 2 <= window:
            out = pick(out[_cut(axis, 0, out.shape[axis] - span)], out[_cut(axis, span, None)])
            span *= 2
        rest = window - span  # the windows of `span` values that start `rest` later
        gray = pick(out[_cut(axis, 0, n)], out[_cut(axis, rest, rest + n)])
    return gray


def _cut(axis: int, start, stop) -> tuple[slice, slice]:
    return (slice(start, stop), slice(None)) if axis == 0 else (slice(None), slice(start, stop))


def _background(gray: np.ndarray) -> np.ndarray:
    """The paper's brightness under every pixel: a closing (the running max, then the running
    min, over squares wider than any stroke), which removes the dark strokes and keeps the slow
    changes of the light."""
    window = max(3, max(gray.shape) // 4) | 1
    return _running(_running(gray, window, np.maximum), window, np.minimum)


def _blur(gray: np.ndarray) -> np.ndarray:
    """A 3x3 box blur: sensor noise and JPEG speckle are finer than any stroke."""
    padded = np.pad(gray, 1, mode="edge")
    h, w = gray.shape
    return sum(padded[r:r + h, c:c + w] for r in range(3) for c in range(3)) / 9.0


def _otsu(values: np.ndarray) -> float:
    """The threshold that best splits `values` into two classes (Otsu's method)."""
    hist, edges = np.histogram(values, bins=64)
    centres = (edges[:-1] + edges[1:]) / 2
    weight = np.cumsum(hist)
    mean = np.cumsum(hist * centres)
    total, grand = weight[-1], mean[-1]
    between = np.zeros_like(centres)
    inside = (weight > 0) & (weight < total)
    w0, m0 = weight[inside], mean[inside] / weight[inside]
    m1 = (grand - mean[inside]) / (total - weight[inside])
    between[inside] = w0 * (total - w0) * (m0 - m1) ** 2
    return float(centres[np.argmax(between)])


def _components(mask: np.ndarray) -> list[np.ndarray]:
    """The 8-connected parts of a boolean mask, each as an (n, 2) array of (row, col).

    Each row's runs of True are found with NumPy; a run joins the runs of the row above that
    it touches (diagonals included), through a union-find over runs, which are few."""
    padded = np.pad(mask, ((0, 0), (1, 1))).astype(np.int8)
    edges = np.diff(padded, axis=1)
    starts_r, starts_c = np.nonzero(edges == 1)
    ends_c = np.nonzero(edges == -1)[1]  # exclusive; same order as the starts, row by row
    parent = list(range(len(starts_r)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    previous: list[int] = []  # runs of the row above
    row_of = -1
    current: list[int] = []
    for i, (r, c0, c1) in enumerate(zip(starts_r, starts_c, ends_c, strict=True)):
        if r != row_of:
            previous = current if r == row_of + 1 else []
            current, row_of = [], r
        for j in previous:
            if starts_c[j] <= c1 and c0 <= ends_c[j]:  # touching, diagonals included
                parent[root(j)] = root(i)
        current.append(i)
    groups: dict[int, list[int]] = {}
    for i in range(len(parent)):
        groups.setdefault(root(i), []).append(i)
    parts = []
    for runs in groups.values():
        rows = np.concatenate([np.full(ends_c[i] - starts_c[i], starts_r[i]) for i in runs])
        cols = np.concatenate([np.arange(starts_c[i], ends_c[i]) for i in runs])
        parts.append(np.stack([rows, cols], axis=1))
    return parts


def _ink(gray: np.ndarray) -> tuple[np.ndarray, float]:
    """How much darker than its paper each pixel is, at a size of at most WORK_SIZE; and the
    scale of that size to the picture's."""
    scale = min(1.0, WORK_SIZE / max(gray.shape))
    if scale < 1:
        gray = _resize(gray, (max(1, round(gray.shape[0] * scale)),
                              max(1, round(gray.shape[1] * scale))))
    gray = _blur(gray)
    return np.clip(_background(gray) - gray, 0, None), scale


def _digit_box(ink: np.ndarray, whole_picture: bool = True):
    """((top, bottom, left, right), None) of the digit in `ink`, or (None, why there is none).

    The ink is thresholded and split into connected parts; the digit is the largest part and
    the parts near it. In the whole picture, a digit must also stand out from its paper and
    neither be a speck nor cover the page."""
    if ink.max() < MIN_CONTRAST:
        return None, "no digit: the picture is blank (no ink darker than its paper)"
    faint = ink[ink > MIN_CONTRAST / 2]
    threshold = max(_otsu(faint) if faint.size > 8 else MIN_CONTRAST, MIN_CONTRAST)
    mask = ink > threshold
    fraction = mask.mean()
    if whole_picture and fraction < MIN_INK_FRACTION:
        return None, "no digit: too little ink to be one"
    if whole_picture and fraction > MAX_INK_FRACTION:
        return None, f"no digit: ink covers {fraction:.0%} of the picture (noise, or no paper)"
    parts = sorted(_components(mask), key=len, reverse=True)
    main = parts[0]
    if whole_picture and len(main) < 0.3 * mask.sum() and len(parts) > 20:
        return None, "no digit: the ink is scattered in many small parts (noise)"
    top, left = main.min(axis=0)
    bottom, right = main.max(axis=0) + 1
    reach = NEAR * max(bottom - top, right - left)
    for part in parts[1:]:
        (t, l), (b, r) = part.min(axis=0), part.max(axis=0) + 1
        gap = max(t - bottom, top - b, l - right, left - r, 0)
        if gap <= reach and len(part) >= 0.02 * len(main):
            top, bottom, left, right = min(top, t), max(bottom, b), min(left, l), max(right, r)
    return (int(top), int(bottom), int(left), int(right)), None


def _faint_edges(ink: np.ndarray, box: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    """The box grown to the faint, antialiased edges of the strokes that the threshold cut
    off: MNIST's 20x20 box holds the whole stroke, not only its dark middle."""
    top, bottom, left, right = box
    margin = max(2, round(0.15 * max(bottom - top, right - left)))
    t, l = max(0, top - margin), max(0, left - margin)
    b, r = min(ink.shape[0], bottom + margin), min(ink.shape[1], right + margin)
    region = ink[t:b, l:r]
    rows, cols = np.nonzero(region > max(0.1 * region.max(), MIN_CONTRAST / 2))
    return t + rows.min(), t + rows.max() + 1, l + cols.min(), l + cols.max() + 1


def frame_like_mnist(digit: np.ndarray) -> np.ndarray:
    """MNIST's framing of a light-on-dark crop: scaled to fit 20x20 (aspect kept), then placed
    in a 28x28 field so that its centre of mass lies at the centre."""
    scale = 20.0 / max(digit.shape)
    h, w = max(1, round(digit.shape[0] * scale)), max(1, round(digit.shape[1] * scale))
    small = np.clip(_resize(digit, (h, w)), 0, 255)
    out = np.zeros((28, 28), np.float32)
    total = small.sum()
    if total <= 0:
        return out
    rows, cols = np.indices(small.shape)
    cy, cx = (rows * small).sum() / total, (cols * small).sum() / total
    top = int(np.clip(round(14 - cy), 0, 28 - h))
    left = int(np.clip(round(14 - cx), 0, 28 - w))
    out[top:top + h, left:left + w] = small
    return out


def prepare(pixels: np.ndarray, frame: str = "digit") -> Prepared:
    """A picture's pixels ((H, W) gray, RGB or RGBA uint8) as the network's 28x28 input."""
    gray = to_gray(pixels)
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    if np.median(border) < 128:  # light ink on dark, like the datasets: make it dark on light
        gray = 255.0 - gray
    if gray.shape == (28, 28):  # already the dataset's size and framing
        return Prepared(np.clip(255.0 - gray, 0, 255) / 255.0)
    if frame == "fit":  # an item that fills its picture: the whole picture, resized
        image = _resize(255.0 - gray, (28, 28))
        blank = np.ptp(gray) < MIN_CONTRAST
        return Prepared(np.clip(image, 0, 255) / 255.0,
                        "nothing to see: the picture is blank" if blank else None)
    # find the digit in the whole picture, at a size where that is quick...
    ink, scale = _ink(gray)
    box, warning = _digit_box(ink)
    if box is None:
        return Prepared(np.zeros((28, 28), np.float32), warning)
    # ...then take its strokes from the picture itself, around it, at a size that keeps them
    top, bottom, left, right = (round(v / scale) for v in box)
    margin = round(0.25 * max(bottom - top, right - left))
    gray = gray[max(0, top - margin):bottom + margin, max(0, left - margin):right + margin]
    ink, _ = _ink(gray)
    box, _ = _digit_box(ink, whole_picture=False)
    top, bottom, left, right = _faint_edges(ink, box)
    crop = ink[top:bottom, left:right]
    # the strongest strokes become white, as MNIST's are
    crop = np.clip(crop / max(np.percentile(crop[crop > 0], 95), 1e-6), 0, 1) * 255.0
    return Prepared(np.clip(frame_like_mnist(crop), 0, 255) / 255.0)
