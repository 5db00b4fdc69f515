"""Reading a user's image files, safely: the pixels that zerodl.datasets.picture prepares.

An image's header says how many pixels it has, and a few kilobytes of PNG can declare a billion:
the count is checked against a limit (MAX_IMAGE_PIXELS, raised with $ZERODL_MAX_IMAGE_PIXELS)
before the image is decoded. A damaged or truncated file is reported in one line, whatever part
of Pillow notices it.
"""

from __future__ import annotations

import io
import os
import struct
import warnings
import zlib
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from zerodl.errors import DataError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff")
MAX_IMAGE_PIXELS = 1 << 24  # 16.7 megapixels, e.g. 4096x4096: more than a photo of a digit needs
PIXELS_ENV = "ZERODL_MAX_IMAGE_PIXELS"


def pixel_limit() -> int:
    """The most pixels an image may have: $ZERODL_MAX_IMAGE_PIXELS, else MAX_IMAGE_PIXELS."""
    value = os.environ.get(PIXELS_ENV, "").strip()
    if not value:
        return MAX_IMAGE_PIXELS
    if not value.isdigit() or int(value) < 1:
        raise DataError(f"{PIXELS_ENV}={value[:40]!r} is not a positive number of pixels")
    return int(value)


def read_pixels(source) -> np.ndarray:
    """The pixels of an image file (a path, or the file's bytes): uint8 (H, W) for a gray
    image, (H, W, 3) for colour, (H, W, 4) for an image with transparency."""
    name = "the image" if isinstance(source, bytes | bytearray) else str(source)
    limit = pixel_limit()
    try:
        # zerodl checks the pixel count itself, below, against a limit the user can raise
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(source) if name == "the image" else Path(source)) as img:
                width, height = img.size
                if width * height > limit:
                    raise DataError(f"{name}: {width}x{height} is {width * height:,} pixels, more"
                                    f" than the limit of {limit:,} (raise it with {PIXELS_ENV})")
                transparent = img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info
                mode = "RGBA" if transparent else "L" if img.mode in ("1", "L", "I", "I;16", "F") \
                    else "RGB"
                return np.asarray(img.convert(mode), dtype=np.uint8)
    except FileNotFoundError:
        raise DataError(f"{name}: no such file") from None
    except Image.DecompressionBombError as e:
        raise DataError(f"{name}: refused by Pillow: {e}") from None
    # Pillow reports damage from its decoders and plugins with any of these
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, struct.error,
            zlib.error) as e:
        reason = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise DataError(f"{name}: not a readable image ({reason[:200]})") from None


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
