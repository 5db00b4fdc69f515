"""Turning a user's image file into a 28x28 input the way the dataset's images were made."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from zerodl.errors import DataError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff")


def _to_gray(path: Path) -> np.ndarray:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as img:
            img = img.convert("L")
            return np.asarray(img, dtype=np.float32)
    except FileNotFoundError:
        raise DataError(f"{path}: no such file") from None
    except (UnidentifiedImageError, OSError) as e:
        raise DataError(f"{path}: not a readable image ({e})") from None


def _resize(gray: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    from PIL import Image

    img = Image.fromarray(gray.astype(np.uint8))
    return np.asarray(img.resize((size[1], size[0]), Image.Resampling.LANCZOS), dtype=np.float32)


def frame_like_mnist(gray: np.ndarray) -> np.ndarray:
    """MNIST's framing: the digit's bounding box scaled to fit 20x20 (aspect kept), then placed
    in a 28x28 field so that its centre of mass lies at the centre."""
    ys, xs = np.nonzero(gray > 0.1 * gray.max()) if gray.max() > 0 else ((), ())
    if len(ys) == 0:
        return np.zeros((28, 28), np.float32)
    box = gray[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    scale = 20.0 / max(box.shape)
    h, w = max(1, round(box.shape[0] * scale)), max(1, round(box.shape[1] * scale))
    digit = np.clip(_resize(box, (h, w)), 0, 255)
    total = digit.sum()
    rows, cols = np.indices(digit.shape)
    cy, cx = (rows * digit).sum() / total, (cols * digit).sum() / total
    top = int(np.clip(round(14 - cy), 0, 28 - h))
    left = int(np.clip(round(14 - cx), 0, 28 - w))
    out = np.zeros((28, 28), np.float32)
    out[top:top + h, left:left + w] = digit
    return out


def load_image(path, framing: str = "digit") -> np.ndarray:
    """A (28, 28) float32 image in [0, 1], light on dark like the datasets.

    Images with a light background are inverted. An image that already is 28x28 is taken as it
    is; others are framed like MNIST digits (framing='digit') or just resized (framing='fit').
    """
    gray = _to_gray(Path(path))
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    if border.mean() > 127:
        gray = 255 - gray
    if gray.shape != (28, 28):
        gray = frame_like_mnist(gray) if framing == "digit" else _resize(gray, (28, 28))
    return np.clip(gray, 0, 255) / 255.0


def image_files(paths) -> list[Path]:
    """Expand folders into the image files they hold (sorted); files are kept as given."""
    out = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(f for f in p.iterdir() if f.suffix.lower() in IMAGE_SUFFIXES))
        else:
            out.append(p)
    if not out:
        raise DataError("no image files given (folders are searched for " + ", ".join(IMAGE_SUFFIXES) + ")")
    return out
