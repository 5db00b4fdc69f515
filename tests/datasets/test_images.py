"""Images from users: the pixel count is checked from the header before anything is decoded."""

import warnings

import numpy as np
import pytest
from PIL import Image

from hostile.corpus import png
from zerodl.datasets.images import MAX_IMAGE_PIXELS, read_pixels
from zerodl.errors import DataError


def test_a_huge_image_is_refused_from_its_header_without_a_warning(tmp_path):
    (tmp_path / "big.png").write_bytes(png(12000, 10000, rows=1))  # 120 megapixels in 300 bytes
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(DataError, match=r"big\.png: 12000x10000 is 120,000,000 pixels, more than"
                                            r" the limit of 16,777,216 \(raise it with"
                                            r" ZERODL_MAX_IMAGE_PIXELS\)"):
            read_pixels(tmp_path / "big.png")


def test_the_limit_can_be_raised_and_lowered(tmp_path, monkeypatch):
    Image.fromarray(np.full((30, 40), 255, np.uint8)).save(tmp_path / "x.png")
    monkeypatch.setenv("ZERODL_MAX_IMAGE_PIXELS", "1000")
    with pytest.raises(DataError, match="40x30 is 1,200 pixels, more than the limit of 1,000"):
        read_pixels(tmp_path / "x.png")
    monkeypatch.setenv("ZERODL_MAX_IMAGE_PIXELS", "1200")
    assert read_pixels(tmp_path / "x.png").shape == (30, 40)
    monkeypatch.setenv("ZERODL_MAX_IMAGE_PIXELS", "lots")
    with pytest.raises(DataError, match="ZERODL_MAX_IMAGE_PIXELS='lots' is not a positive number"):
        read_pixels(tmp_path / "x.png")
    assert MAX_IMAGE_PIXELS == 4096 * 4096


def test_pillows_own_refusal_is_one_line(tmp_path):
    (tmp_path / "huge.png").write_bytes(png(30000, 30000, rows=1))
    with pytest.raises(DataError, match=r"huge\.png: refused by Pillow: Image size \(900000000"):
        read_pixels(tmp_path / "huge.png")


@pytest.mark.parametrize("cut", [0.3, 0.6, 0.9])
def test_a_truncated_image_is_one_line(tmp_path, cut):
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (64, 64), np.uint8)).save(tmp_path / "x.png")
    whole = (tmp_path / "x.png").read_bytes()
    (tmp_path / "x.png").write_bytes(whole[:int(len(whole) * cut)])
    with pytest.raises(DataError, match=r"x\.png: not a readable image \(") as error:
        read_pixels(tmp_path / "x.png")
    assert "\n" not in str(error.value)


def test_pixels_keep_gray_colour_and_transparency_and_bytes_read_like_files(tmp_path):
    for mode, shape in (("L", (3, 4)), ("RGB", (3, 4, 3)), ("RGBA", (3, 4, 4)), ("LA", (3, 4, 4)),
                        ("P", (3, 4, 3))):
        Image.new(mode, (4, 3)).save(tmp_path / f"{mode}.png")
        pixels = read_pixels(tmp_path / f"{mode}.png")
        assert pixels.shape == shape and pixels.dtype == np.uint8, mode
        np.testing.assert_array_equal(read_pixels((tmp_path / f"{mode}.png").read_bytes()), pixels)
    with pytest.raises(DataError, match="the image: not a readable image"):
        read_pixels(b"not an image")
