"""The steps that prepare a picture as the network's input, each against a plain computation."""

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

from zerodl.datasets.picture import (
    _components,
    _otsu,
    _running,
    frame_like_mnist,
    prepare,
    to_gray,
)


def flood_labels(mask: np.ndarray) -> set[frozenset]:
    """8-connected parts by the plainest flood fill, as sets of (row, col)."""
    seen, parts = set(), set()
    for start in zip(*np.nonzero(mask), strict=True):
        if start in seen:
            continue
        stack, part = [start], set()
        while stack:
            r, c = stack.pop()
            if (r, c) in seen or not (0 <= r < mask.shape[0] and 0 <= c < mask.shape[1]) \
                    or not mask[r, c]:
                continue
            seen.add((r, c))
            part.add((int(r), int(c)))
            stack.extend((r + dr, c + dc) for dr in (-1, 0, 1) for dc in (-1, 0, 1))
        parts.add(frozenset(part))
    return parts


@pytest.mark.parametrize("density", [0.2, 0.45, 0.6])
def test_connected_parts_match_a_flood_fill(density):
    rng = np.random.default_rng(int(density * 100))
    mask = rng.random((40, 53)) < density
    got = {frozenset(map(tuple, p.tolist())) for p in _components(mask)}
    assert got == flood_labels(mask)


@pytest.mark.parametrize("shape, window", [((37, 50), 7), ((64, 40), 16), ((9, 9), 9)])
def test_running_max_and_min_match_a_sliding_window(shape, window):
    gray = np.random.default_rng(0).random(shape)
    for pick, reduce in ((np.maximum, np.max), (np.minimum, np.min)):
        expected = gray
        half = window // 2
        for axis in (0, 1):
            widths = [(half, window - 1 - half) if a == axis else (0, 0) for a in (0, 1)]
            expected = reduce(sliding_window_view(np.pad(expected, widths, mode="edge"), window,
                                                  axis=axis), axis=-1)
        np.testing.assert_array_equal(_running(gray, window, pick), expected)


def test_otsu_splits_two_groups_between_them():
    rng = np.random.default_rng(0)
    paper, ink = rng.normal(20, 3, 900), rng.normal(120, 10, 100)
    threshold = _otsu(np.concatenate([paper, ink]))
    assert (paper < threshold).mean() > 0.99 and (ink > threshold).mean() > 0.99


def test_transparent_pixels_are_white_paper():
    rgba = np.zeros((2, 2, 4), np.uint8)
    rgba[0, 0] = (0, 0, 0, 255)  # black ink
    rgba[0, 1] = (0, 0, 0, 0)  # transparent
    rgba[1, 0] = (255, 0, 0, 255)  # red ink
    rgba[1, 1] = (0, 0, 0, 128)  # half-covered
    np.testing.assert_allclose(to_gray(rgba), [[0, 255], [0.299 * 255, 255 * 127 / 255]],
                               atol=1e-3)


def test_mnist_framing_fits_20x20_and_centres_the_mass():
    digit = np.full((80, 40), 255, np.float32)  # the crop of a bar, twice as tall as wide
    framed = frame_like_mnist(digit)
    rows, cols = np.nonzero(framed > 0.5 * framed.max())
    assert rows.max() - rows.min() + 1 == 20 and cols.max() - cols.min() + 1 <= 11
    r, c = np.indices(framed.shape)
    assert abs((r * framed).sum() / framed.sum() - 14) <= 0.5
    assert abs((c * framed).sum() / framed.sum() - 14) <= 0.5


def test_a_28x28_image_is_taken_as_it_is_whatever_its_polarity():
    digit = np.zeros((28, 28), np.uint8)
    digit[6:22, 12:16] = 255
    np.testing.assert_allclose(prepare(digit).image, digit / 255.0)
    np.testing.assert_allclose(prepare(255 - digit).image, digit / 255.0)


@pytest.mark.parametrize("pixels, reason", [
    (np.full((300, 400), 255, np.uint8), "blank"),
    (np.full((300, 400), 90, np.uint8), "blank"),
    (np.random.default_rng(0).integers(0, 256, (300, 400)).astype(np.uint8), "noise"),
])
def test_no_digit_is_said(pixels, reason):
    prepared = prepare(pixels)
    assert reason in prepared.warning and not prepared.image.any()


def test_a_speck_is_too_little_ink():
    page = np.full((300, 400), 255, np.uint8)
    page[150:152, 200:202] = 0
    assert "too little ink" in prepare(page).warning
