"""MNIST test digits as people have them: photographed on grey, unevenly lit paper; drawn on a
web canvas (black ink on transparent); small, in a corner of a white page."""

import io

import numpy as np
from PIL import Image


def ink(digit: np.ndarray, size: int) -> np.ndarray:
    """A 28x28 MNIST digit (uint8, light on dark) drawn size x size, as ink amounts in [0, 1]."""
    img = Image.fromarray(digit).resize((size, size), Image.Resampling.BICUBIC)
    return np.clip(np.asarray(img, np.float32) / 255.0, 0, 1)


def photograph(digit: np.ndarray, rng: np.random.Generator, size: int = 360) -> bytes:
    """A JPEG of the digit written on grey paper lit from one side, with sensor noise."""
    yy, xx = np.mgrid[0:size, 0:size] / size
    paper = 150 + 70 * xx + 30 * yy
    gray = paper * (1 - 0.85 * ink(digit, size)) + rng.normal(0, 6, (size, size))
    rgb = np.stack([gray, gray * 0.97, gray * 0.9], axis=-1)  # warm light
    out = io.BytesIO()
    Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8)).save(out, "JPEG", quality=70)
    return out.getvalue()


def drawing(digit: np.ndarray, size: int = 280) -> bytes:
    """A PNG as a canvas exports it: RGBA, black ink, transparent everywhere else."""
    rgba = np.zeros((size, size, 4), np.uint8)
    rgba[..., 3] = (ink(digit, size) * 255).astype(np.uint8)
    out = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(out, "PNG")
    return out.getvalue()


def off_centre(digit: np.ndarray, rng: np.random.Generator, page=(800, 600), size=90) -> bytes:
    """A PNG of a white page with the digit small, near its top-left corner."""
    gray = np.full(page, 255.0)
    r, c = rng.integers(10, 120, size=2)
    gray[r:r + size, c:c + size] = 255 * (1 - ink(digit, size))
    out = io.BytesIO()
    Image.fromarray(gray.astype(np.uint8)).save(out, "PNG")
    return out.getvalue()
