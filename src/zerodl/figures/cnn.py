"""Chapter 7 figures: convolution and pooling in numbers, the shapes of 3-D and 4-D data, im2col,
SimpleConvNet, and what its first layer learns.

The numbers in the diagrams are computed by zerodl's own layers (Convolution, Pooling, im2col,
Flatten) from the book's small examples, and returned by each function, so that the tests can
check them against hand-computed values.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from matplotlib import colors as mcolors

from zerodl.figures.style import Group, blank, plt, save_figure, tr

# the book's worked examples: a 4x4 input and a 3x3 filter (bias 3), and a 4x4 pooling input
BOOK_INPUT = np.array([[1, 2, 3, 0], [0, 1, 2, 3], [3, 0, 1, 2], [2, 3, 0, 1]])
BOOK_FILTER = np.array([[2, 0, 1], [0, 1, 2], [1, 0, 2]])
BOOK_BIAS = 3
POOL_INPUT = np.array([[1, 2, 1, 0], [0, 1, 2, 3], [3, 0, 1, 2], [2, 4, 0, 1]])

# one pale fill and one strong edge colour per window, in the colours of the other chapters;
# pale blue is the filters'
FILLS = ("#fde2c8", "#d8ecd0", "#e5d5ef", "#f4cccc")
EDGES = ("tab:orange", "tab:green", "tab:purple", "tab:red")
FILTER_FILL = "#cfe3f7"
PAD_FILL = "#eeeeee"
NUMBER_SIZE = 13


# -- the computations the diagrams show -------------------------------------------------------
def convolve(image, filt, bias: float = 0, stride: int = 1, pad: int = 0) -> np.ndarray:
    """One 2-D image convolved with one 2-D filter by zerodl's Convolution layer."""
    from zerodl.layers import Convolution

    image, filt = np.asarray(image, float), np.asarray(filt, float)
    layer = Convolution(filt[None, None], np.array([float(bias)]), stride, pad)
    return layer.forward(image[None, None])[0, 0]


def max_pool(image, size: int = 2, stride: int = 2) -> np.ndarray:
    """One 2-D image max-pooled by zerodl's Pooling layer."""
    from zerodl.layers import Pooling

    return Pooling(size, size, stride).forward(np.asarray(image, float)[None, None])[0, 0]


def windows(image, filter_size: int, stride: int = 1) -> np.ndarray:
    """Every filter-sized window of a 2-D image, one per row: zerodl's im2col."""
    from zerodl.im2col import im2col

    return im2col(np.asarray(image, float)[None, None], filter_size, filter_size, stride)


def product_sum(image, filt, i: int, j: int) -> str:
    """The multiply-add of the window at output (i, j), written out: '1×2 + 2×0 + ... = 15'."""
    size = len(filt)
    patch = np.asarray(image)[i:i + size, j:j + size].ravel()
    terms = " + ".join(f"{a:g}×{b:g}" for a, b in zip(patch, np.ravel(filt), strict=True))
    return f"{terms} = {np.dot(patch, np.ravel(filt)):g}"


# -- drawing helpers --------------------------------------------------------------------------
def grid(ax, values, left, top, fills=None, fontsize=NUMBER_SIZE, bold=()) -> None:
    """A matrix as unit cells, its top-left corner at (left, top); `fills` maps (row, column)
    to a colour. A cell whose value is "" is drawn empty."""
    fills = fills or {}
    for (i, j), value in np.ndenumerate(np.asarray(values, dtype=object)):
        ax.add_patch(plt.Rectangle((left + j, top - i - 1), 1, 1, lw=1, edgecolor="0.35",
                                   facecolor=fills.get((i, j), "white")))
        text = value if isinstance(value, str) else f"{value:g}"
        ax.text(left + j + 0.5, top - i - 0.5, text, ha="center", va="center", fontsize=fontsize,
                fontweight="bold" if (i, j) in bold else "normal")


def window_fills(row: int, col: int, size: int, color: str) -> dict:
    return {(row + a, col + b): color for a in range(size) for b in range(size)}


def outline(ax, left, top, row, col, size, color, inset=0.0, style="-") -> None:
    """A thick frame around the size x size window at (row, col) of a grid drawn at (left, top)."""
    ax.add_patch(plt.Rectangle((left + col + inset, top - row - size + inset), size - 2 * inset,
                               size - 2 * inset, fill=False, lw=3, edgecolor=color,
                               linestyle=style, zorder=3))


def canvas(xlim, ylim, width: float = 8.0):
    """A diagram's figure and axes: equal scales, the axes filling a figure `width` inches wide
    and as tall as the limits make it, so that no margin is left around the drawing."""
    fig = plt.figure(figsize=(width, width * (ylim[1] - ylim[0]) / (xlim[1] - xlim[0])))
    ax = fig.add_axes((0, 0, 1, 1))
    blank(ax, xlim, ylim)
    return fig, ax


def caption(ax, x, y, text, va="bottom", fontsize=13) -> None:
    ax.text(x, y, text, ha="center", va=va, fontsize=fontsize)


def symbol(ax, x, y, text, fontsize=22) -> None:
    """An operator between two arrays: ⊛ (convolution), +, →, =."""
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize)


def labelled_arrow(ax, x0, x1, y, label) -> None:
    """A horizontal arrow with its label above it, clear of the line."""
    ax.annotate("", xy=(x1, y), xytext=(x0, y), arrowprops={"arrowstyle": "->", "lw": 1.5})
    ax.text((x0 + x1) / 2, y + 0.3, label, ha="center", va="bottom", fontsize=12)


def _names() -> dict[str, str]:
    return {"input": tr("input", "入力データ"), "filter": tr("filter", "フィルター"),
            "output": tr("output", "出力データ"), "bias": tr("bias", "バイアス")}


# -- why convolution --------------------------------------------------------------------------
FLATTEN_IMAGE = np.array([[0, 0, 0, 0, 0], [0, 1, 1, 1, 0], [0, 0, 0, 1, 0], [0, 0, 1, 0, 0],
                          [0, 0, 1, 0, 0]])


def flatten_figure(path) -> dict:
    """A 5x5 image and the 25 values an Affine layer sees: two pixels one above the other end
    up 5 apart, and nothing in the row says they were neighbours."""
    from zerodl.layers import Flatten

    row = Flatten().forward(FLATTEN_IMAGE[None].astype(float))[0]
    above, below = (1, 3), (2, 3)
    flat = [above[0] * 5 + above[1], below[0] * 5 + below[1]]
    fig, ax = canvas((-0.3, 25.3), (-2.8, 10.1), width=8)
    greys = {(i, j): "0.25" if v else "white" for (i, j), v in np.ndenumerate(FLATTEN_IMAGE)}
    grid(ax, np.full((5, 5), ""), 18, 9, greys)
    for (r, c), color in zip((above, below), EDGES, strict=False):
        outline(ax, 18, 9, r, c, 1, color, inset=0.08)
    caption(ax, 20.5, 9.2, tr("image (5, 5)", "画像 (5, 5)"))
    ax.annotate("", xy=(20.5, 2.3), xytext=(20.5, 3.8), arrowprops={"arrowstyle": "->", "lw": 1.5})
    ax.text(20.0, 3.05, tr("flattened for an Affine layer: (25,)", "Affine 層のために平坦化：(25,)"),
            ha="right", va="center", fontsize=12)
    grid(ax, np.full((1, 25), ""), 0, 2, {(0, j): "0.25" if v else "white"
                                          for j, v in enumerate(row)})
    for j, color in zip(flat, EDGES, strict=False):
        outline(ax, 0, 2, 0, j, 1, color, inset=0.08)
    ax.annotate("", xy=(flat[1] + 0.5, 0.95), xytext=(flat[0] + 0.5, 0.95),
                arrowprops={"arrowstyle": "<->", "lw": 1.3, "connectionstyle": "arc3,rad=0.4"})
    apart = flat[1] - flat[0]
    caption(ax, (flat[0] + flat[1]) / 2 + 0.5, -0.2, tr(f"{apart} apart", f"{apart} 個離れる"),
            va="top", fontsize=12)
    caption(ax, 12.5, -1.8, tr("neighbours above and below in the image, far apart in the vector",
                               "画像では上下に隣り合う画素が、ベクトルでは離れてしまう"),
            va="top")
    save_figure(fig, path)
    return {"flattened_positions": flat}


# -- convolution in numbers -------------------------------------------------------------------
def convolution_figure(path) -> dict:
    """The book's 4x4 input ⊛ 3x3 filter -> 2x2 output, the first window and its multiply-add."""
    out = convolve(BOOK_INPUT, BOOK_FILTER)
    names = _names()
    fig, ax = canvas((-0.6, 14.4), (-2.2, 5.0), width=6.5)
    grid(ax, BOOK_INPUT, 0, 4, window_fills(0, 0, 3, FILLS[0]))
    outline(ax, 0, 4, 0, 0, 3, EDGES[0])
    symbol(ax, 5, 2, "⊛")
    grid(ax, BOOK_FILTER, 6, 3.5, window_fills(0, 0, 3, FILTER_FILL))
    symbol(ax, 10, 2, "→")
    grid(ax, out, 11, 3, {(0, 0): FILLS[0]})
    outline(ax, 11, 3, 0, 0, 1, EDGES[0])
    for x, top, name, shape in ((2, 4, names["input"], BOOK_INPUT.shape),
                                (7.5, 3.5, names["filter"], BOOK_FILTER.shape),
                                (12, 3, names["output"], out.shape)):
        caption(ax, x, top + 0.2, f"{name} {shape}")
    caption(ax, 6.5, -0.6, product_sum(BOOK_INPUT, BOOK_FILTER, 0, 0), va="top", fontsize=12)
    caption(ax, 6.5, -1.5, tr("multiply the numbers at the same places, then add them all up",
                              "窓とフィルターの同じ位置どうしを掛けて、全部を足す"),
            va="top", fontsize=12)
    save_figure(fig, path)
    return {"convolution": out.tolist()}


def convolution_steps_figure(path) -> dict:
    """The window slides one cell at a time; each position gives one output number."""
    out = convolve(BOOK_INPUT, BOOK_FILTER)
    fig, ax = canvas((-0.3, 15.8), (-6.2, 5.2), width=6.4)
    for k, (i, j) in enumerate(np.ndindex(*out.shape)):
        left, top = (k % 2) * 8.5, 4 - (k // 2) * 6
        grid(ax, BOOK_INPUT, left, top, window_fills(i, j, 3, FILLS[k]))
        outline(ax, left, top, i, j, 3, EDGES[k])
        shown = [[f"{v:g}" if n <= k else "" for n, v in enumerate(r, start=2 * a)]
                 for a, r in enumerate(out)]
        grid(ax, shown, left + 5, top - 1, {(i, j): FILLS[k]})
        outline(ax, left + 5, top - 1, i, j, 1, EDGES[k])
        symbol(ax, left + 4.5, top - 2, "→", fontsize=18)
        caption(ax, left + 3.5, top + 0.2,
                tr(f"position {k + 1}: {out[i, j]:g}", f"{k + 1} 番目の位置：{out[i, j]:g}"))
    save_figure(fig, path)
    return {"convolution_steps": out.ravel().tolist()}


def convolution_bias_figure(path) -> dict:
    """One bias for the filter, added to every number of its output."""
    out = convolve(BOOK_INPUT, BOOK_FILTER)
    with_bias = convolve(BOOK_INPUT, BOOK_FILTER, BOOK_BIAS)
    names = _names()
    fig, ax = canvas((-0.3, 17.1), (-0.3, 4.9), width=7)
    grid(ax, BOOK_INPUT, 0, 4)
    symbol(ax, 4.6, 2, "⊛")
    grid(ax, BOOK_FILTER, 5.2, 3.5, window_fills(0, 0, 3, FILTER_FILL))
    symbol(ax, 8.8, 2, "→")
    grid(ax, out, 9.4, 3)
    symbol(ax, 12.0, 2, "+")
    grid(ax, [[BOOK_BIAS]], 12.6, 2.5, {(0, 0): FILLS[0]})
    symbol(ax, 14.2, 2, "→")
    grid(ax, with_bias, 14.8, 3, window_fills(0, 0, 2, FILLS[0]))
    for x, top, text in ((2, 4, names["input"]), (6.7, 3.5, names["filter"]),
                         (10.4, 3, ""), (13.1, 2.5, names["bias"]),
                         (15.8, 3, names["output"])):
        caption(ax, x, top + 0.2, text)
    save_figure(fig, path)
    return {"convolution_bias": with_bias.tolist()}


def padding_figure(path) -> dict:
    """Padding 1 surrounds the 4x4 input with zeros: the output keeps the input's 4x4."""
    out = convolve(BOOK_INPUT, BOOK_FILTER, pad=1)
    padded = np.pad(BOOK_INPUT, 1)
    names = _names()
    fills = {(i, j): PAD_FILL for i in range(6) for j in range(6) if i in (0, 5) or j in (0, 5)}
    fig, ax = canvas((-1.8, 16.6), (-1.1, 7.0), width=7.2)
    grid(ax, padded, 0, 6, {**fills, **window_fills(0, 0, 3, FILLS[0])})
    outline(ax, 0, 6, 0, 0, 3, EDGES[0])
    outline(ax, 0, 6, 1, 1, 4, "0.2", style="--")
    symbol(ax, 6.8, 3, "⊛")
    grid(ax, BOOK_FILTER, 7.6, 4.5, window_fills(0, 0, 3, FILTER_FILL))
    symbol(ax, 11.4, 3, "→")
    grid(ax, out, 12.2, 5, {(0, 0): FILLS[0]})
    outline(ax, 12.2, 5, 0, 0, 1, EDGES[0])
    caption(ax, 3, 6.2, tr("input (4, 4), padded to (6, 6)", "入力データ (4, 4) → パディングで (6, 6)"))
    caption(ax, 9.1, 4.7, f"{names['filter']} (3, 3)")
    caption(ax, 14.2, 5.2, f"{names['output']} {out.shape}")
    caption(ax, 3, -0.3, tr("grey: the zeros of the padding", "灰色：パディングの 0"), va="top",
            fontsize=12)
    save_figure(fig, path)
    return {"padding": out.tolist()}


STRIDE_INPUT = np.random.default_rng(0).integers(0, 4, (7, 7))


def stride_figure(path) -> dict:
    """Stride 2: the window jumps two cells, and a 7x7 input gives a 3x3 output."""
    out = convolve(STRIDE_INPUT, BOOK_FILTER, stride=2)
    names = _names()
    fig, ax = canvas((-0.3, 17.9), (-0.3, 8.9), width=7.2)
    fills = {**window_fills(0, 2, 3, FILLS[1]), **window_fills(0, 0, 3, FILLS[0])}
    grid(ax, STRIDE_INPUT, 0, 7, fills)
    outline(ax, 0, 7, 0, 0, 3, EDGES[0], inset=0.05)
    outline(ax, 0, 7, 0, 2, 3, EDGES[1], inset=0.12, style="--")
    ax.annotate("", xy=(3.5, 7.25), xytext=(1.5, 7.25), arrowprops={"arrowstyle": "->", "lw": 1.5})
    caption(ax, 2.5, 7.5, tr("stride 2", "ストライド 2"), fontsize=12)
    caption(ax, 3.5, 8.3, f"{names['input']} {STRIDE_INPUT.shape}")
    symbol(ax, 8, 3.5, "⊛")
    grid(ax, BOOK_FILTER, 9, 5, window_fills(0, 0, 3, FILTER_FILL))
    caption(ax, 10.5, 5.2, f"{names['filter']} (3, 3)")
    symbol(ax, 13, 3.5, "→")
    grid(ax, out, 14, 5, {(0, 0): FILLS[0], (0, 1): FILLS[1]})
    outline(ax, 14, 5, 0, 0, 1, EDGES[0], inset=0.05)
    outline(ax, 14, 5, 0, 1, 1, EDGES[1], inset=0.05, style="--")
    caption(ax, 15.5, 5.2, f"{names['output']} {out.shape}")
    save_figure(fig, path)
    return {"stride": out.tolist()}


# -- 3-D and 4-D data -------------------------------------------------------------------------
# the shapes of the block diagrams: N images of C channels, FN filters
BLOCK_SHAPES = {"N": 2, "C": 3, "H": 6, "W": 6, "FN": 5, "FH": 3, "FW": 3}
DEPTH_STEP = np.array([0.45, 0.38])  # where one channel further back is drawn


def block_shapes() -> dict[str, tuple[int, ...]]:
    """The shapes of the block diagrams, from a forward pass of zerodl's Convolution."""
    from zerodl.layers import Convolution

    s = BLOCK_SHAPES
    W = np.zeros((s["FN"], s["C"], s["FH"], s["FW"]))
    out = Convolution(W, np.zeros(s["FN"])).forward(np.zeros((s["N"], s["C"], s["H"], s["W"])))
    return {"input": (s["N"], s["C"], s["H"], s["W"]), "filters": W.shape,
            "bias": (s["FN"], 1, 1), "output": out.shape}


def _shade(color, factor: float):
    return tuple(min(1.0, c * factor) for c in mcolors.to_rgb(color))


def box(ax, x, y, channels, height, width, color, labels=("", "", "")) -> None:
    """A (channels, height, width) block seen from the front: the front face is one channel of
    height x width cells at (x, y), the other channels go back up and to the right. `labels`
    name the three edges (channels, height, width)."""
    dx, dy = channels * DEPTH_STEP
    faces = {"front": [(x, y), (x + width, y), (x + width, y + height), (x, y + height)],
             "top": [(x, y + height), (x + width, y + height), (x + width + dx, y + height + dy),
                     (x + dx, y + height + dy)],
             "side": [(x + width, y), (x + width + dx, y + dy), (x + width + dx, y + height + dy),
                      (x + width, y + height)]}
    for name, factor in (("top", 1.04), ("side", 0.88), ("front", 1.0)):
        ax.add_patch(plt.Polygon(faces[name], closed=True, facecolor=_shade(color, factor),
                                 edgecolor="0.2", lw=1.2, zorder=2))
    thin = {"color": "0.45", "lw": 0.6, "zorder": 2}
    for k in range(1, channels):  # where one channel ends and the next begins
        ox, oy = k * DEPTH_STEP
        ax.plot([x + ox, x + width + ox, x + width + ox], [y + height + oy] * 2 + [y + oy], **thin)
    for i in range(1, height):
        ax.plot([x, x + width], [y + i] * 2, **thin)
    for j in range(1, width):
        ax.plot([x + j] * 2, [y, y + height], **thin)
    c, h, w = labels
    ax.text(x + dx / 2 - 0.15, y + height + dy / 2 + 0.15, c, ha="right", va="bottom", fontsize=12)
    ax.text(x - 0.15, y + height / 2, h, ha="right", va="center", fontsize=12)
    ax.text(x + width / 2, y - 0.15, w, ha="center", va="top", fontsize=12)


def stack(ax, x, y, count, shape, color, labels=("", "", ""), count_label="",
          step=(1.2, -1.2)) -> None:
    """`count` blocks one in front of the other, each `step` further down and to the right,
    drawn back to front. Of `labels` (channels, height, width), the first two go on the back
    block and the width on the front one, where they stay in sight; `count_label` goes beside
    the stack."""
    c, h, w = labels
    for k in range(count):
        box(ax, x + k * step[0], y + k * step[1], *shape, color,
            (c if k == 0 else "", h if k == 0 else "", w if k == count - 1 else ""))
    if count_label:  # at the middle of the stack's lower-left edge
        middle = (x + (count - 1) * step[0] / 2 - 0.3, y + (count - 1) * step[1] / 2 - 0.3)
        ax.text(*middle, count_label, ha="right", va="top", fontsize=12)


def _shape_text(name: str, symbols, shape) -> str:
    """'input\n(C, H, W)\n(3, 6, 6)'."""
    return f"{name}\n({', '.join(symbols)})\n{tuple(int(n) for n in shape)}"


def channels_figure(path) -> dict:
    """(C, H, W) ⊛ (C, FH, FW) -> (1, OH, OW): the filter has as many channels as the input, and
    the products of every channel add up to one output channel."""
    shapes = block_shapes()
    _, C, H, W = shapes["input"]
    _, _, FH, FW = shapes["filters"]
    _, _, OH, OW = shapes["output"]
    names = _names()
    fig, ax = canvas((-0.5, 25.5), (-3.6, 7.8), width=8)
    box(ax, 1, 0, C, H, W, "white", ("C", "H", "W"))
    caption(ax, 4.5, -1.2, _shape_text(names["input"], "CHW", (C, H, W)), va="top", fontsize=12)
    symbol(ax, 9.7, 3, "⊛")
    box(ax, 12, 1.5, C, FH, FW, FILTER_FILL, ("C", "FH", "FW"))
    caption(ax, 14, -1.2, _shape_text(names["filter"], ("C", "FH", "FW"), (C, FH, FW)), va="top",
            fontsize=12)
    symbol(ax, 17.6, 3, "→")
    box(ax, 20, 1, 1, OH, OW, FILLS[0], ("1", "OH", "OW"))
    caption(ax, 22.2, -1.2, _shape_text(names["output"], ("1", "OH", "OW"), (1, OH, OW)),
            va="top", fontsize=12)
    save_figure(fig, path)
    return {"channels": [shapes["input"][1:], shapes["filters"][1:], (1, OH, OW)]}


def _filter_flow(path, images: int) -> None:
    """input ⊛ FN filters + bias -> output, for `images` images (1: one image as (C, H, W))."""
    fig, ax = canvas((-0.6, 33.6), (-2.7, 9.2 + 1.2 * (images - 1)), width=9)
    shapes = block_shapes()
    N, C, H, W = shapes["input"]
    FN, _, FH, FW = shapes["filters"]
    names = _names()
    lead = ("N",) if images > 1 else ()
    first = 0 if images > 1 else 1
    y = 1.2 + 1.2 * (images - 1)
    stack(ax, 0.8, y, images, (C, H, W), "white", ("C", "H", "W"), "N" if lead else "")
    symbol(ax, 10.4, 3, "⊛")
    stack(ax, 11.7, 4.0, FN, (C, FH, FW), FILTER_FILL, count_label="FN", step=(0.5, -0.5))
    symbol(ax, 18.9, 3, "+")
    box(ax, 19.9, 2.5, FN, 1, 1, FILLS[1], ("FN", "", ""))
    symbol(ax, 24.2, 3, "→")
    stack(ax, 25.6, y + 0.6, images, (FN, *shapes["output"][2:]), FILLS[0], ("FN", "OH", "OW"),
          "N" if lead else "")
    for x, name, symbols, shape in (
            (5.0, names["input"], (*lead, "C", "H", "W"), (N, C, H, W)[first:]),
            (15.0, names["filter"], ("FN", "C", "FH", "FW"), (FN, C, FH, FW)),
            (21.5, names["bias"], ("FN", "1", "1"), (FN, 1, 1)),
            (29.3, names["output"], (*lead, "FN", "OH", "OW"), shapes["output"][first:])):
        caption(ax, x, -0.1, _shape_text(name, symbols, shape), va="top", fontsize=12)
    save_figure(fig, path)


def filters_figure(path) -> dict:
    """FN filters give FN output channels; each filter has one bias, (FN, 1, 1)."""
    _filter_flow(path, 1)
    return {"filters": block_shapes()["output"][1:]}


def batch_figure(path) -> dict:
    """A batch of N images: (N, C, H, W) -> (N, FN, OH, OW), with the same filters for all."""
    _filter_flow(path, BLOCK_SHAPES["N"])
    return {"batch": block_shapes()["output"]}


# -- pooling and im2col -----------------------------------------------------------------------
def max_pooling_figure(path) -> dict:
    """2x2 max pooling with stride 2: each window gives its largest number."""
    out = max_pool(POOL_INPUT)
    fills, bold = {}, set()
    for k, (i, j) in enumerate(np.ndindex(*out.shape)):
        window = POOL_INPUT[2 * i:2 * i + 2, 2 * j:2 * j + 2]
        fills.update(window_fills(2 * i, 2 * j, 2, FILLS[k]))
        a, b = np.unravel_index(window.argmax(), window.shape)
        bold.add((2 * i + a, 2 * j + b))
    names = _names()
    fig, ax = canvas((-0.4, 11.0), (-1.2, 4.9), width=5.0)
    grid(ax, POOL_INPUT, 0, 4, fills, bold=bold)
    labelled_arrow(ax, 4.7, 7.3, 2, "max")
    grid(ax, out, 8, 3, {(i, j): FILLS[k] for k, (i, j) in enumerate(np.ndindex(*out.shape))},
         bold=set(np.ndindex(*out.shape)))
    caption(ax, 2, 4.2, f"{names['input']} {POOL_INPUT.shape}")
    caption(ax, 9, 3.2, f"{names['output']} {out.shape}")
    caption(ax, 5, -0.3, tr("windows of 2×2, stride 2", "2×2 の窓、ストライド 2"), va="top",
            fontsize=12)
    save_figure(fig, path)
    return {"max_pooling": out.tolist()}


def im2col_figure(path) -> dict:
    """im2col lays each window out as a row; one matrix product with the filter as a column
    then gives every output number, which a reshape puts back in place."""
    col = windows(BOOK_INPUT, 3)
    column = BOOK_FILTER.reshape(-1, 1)
    out = col @ column
    names = _names()
    rows = len(col)
    fig, ax = canvas((-0.5, 26.7), (-0.3, 10.2), width=9.2)
    grid(ax, BOOK_INPUT, 0, 6.5, window_fills(0, 0, 3, FILLS[0]), fontsize=11)
    outline(ax, 0, 6.5, 0, 0, 3, EDGES[0])
    labelled_arrow(ax, 4.3, 6.4, 4.5, "im2col")
    grid(ax, col, 6.7, 6.5, {(i, j): FILLS[i] for i in range(rows) for j in range(col.shape[1])},
         fontsize=11)
    symbol(ax, 16.3, 4.5, "×", fontsize=18)
    grid(ax, column, 16.9, 9, {(i, 0): FILTER_FILL for i in range(len(column))}, fontsize=11)
    symbol(ax, 18.55, 4.5, "=", fontsize=18)
    grid(ax, out, 19.2, 6.5, {(i, 0): FILLS[i] for i in range(rows)}, fontsize=11)
    labelled_arrow(ax, 20.5, 23.1, 4.5, "reshape")
    side = int(np.sqrt(rows))
    grid(ax, out.reshape(side, side), 23.4, 5.5,
         {(i, j): FILLS[side * i + j] for i in range(side) for j in range(side)}, fontsize=11)
    for x, top, text in ((2, 6.5, f"{names['input']} {BOOK_INPUT.shape}"),
                         (11.2, 6.5, tr(f"one window per row {col.shape}",
                                        f"窓ごとに 1 行 {col.shape}")),
                         (17.4, 9, f"{names['filter']} {column.shape}"),
                         (24.4, 5.5, f"{names['output']} {(side, side)}")):
        caption(ax, x, top + 0.2, text, fontsize=12)
    save_figure(fig, path)
    return {"im2col_shape": col.shape, "im2col_product": out.ravel().tolist()}


# -- SimpleConvNet ----------------------------------------------------------------------------
def layer_shapes(net, input_shape=(1, 28, 28)) -> list[tuple[str, tuple[int, ...]]]:
    """(layer name, output shape without the batch axis) for each of a network's layers, from a
    forward pass of one image of zeros."""
    x = np.zeros((1, *input_shape), dtype=net.dtype)
    shapes = []
    for name, layer in net.layers.items():
        x = layer.forward(x)
        shapes.append((name, x.shape[1:]))
    return shapes


def _batch_shape(shape) -> str:
    return "(" + ", ".join(["N", *map(str, shape)]) + ")"


LAYER_NAMES = {"Conv": "Conv", "Relu": "ReLU", "Pool": "Pooling", "Affine": "Affine"}
BOX_WIDTH, ARROW_LENGTH = 1.6, 2.45


def _layer_box(ax, x, y, name, param_shape=None) -> None:
    """A layer as a box from x to x + BOX_WIDTH centred at height y; a layer with weights is
    blue and has its weights' name and shape under it."""
    color = FILTER_FILL if param_shape else FILLS[0] if name == "Softmax" else PAD_FILL
    ax.add_patch(plt.Rectangle((x, y - 0.45), BOX_WIDTH, 0.9, facecolor=color,
                               edgecolor="black", lw=1.2))
    ax.text(x + BOX_WIDTH / 2, y, name, ha="center", va="center", fontsize=11)
    if param_shape:
        ax.text(x + BOX_WIDTH / 2, y - 0.6, param_shape, ha="center", va="top", fontsize=10)


def _data_arrow(ax, x, y, shape, length=ARROW_LENGTH, head=True) -> None:
    """The data between two layers: an arrow from x with its shape above it."""
    if head:
        ax.annotate("", xy=(x + length, y), xytext=(x, y), arrowprops={"arrowstyle": "->", "lw": 1.3})
    else:
        ax.plot([x, x + length], [y, y], color="black", lw=1.3)
    ax.text(x + length / 2, y + 0.12, _batch_shape(shape), ha="center", va="bottom", fontsize=10)


def simple_convnet_figure(path) -> dict:
    """SimpleConvNet's layers in order, in two rows, with the shape of the data between them
    and each weight's shape under its layer."""
    from zerodl.nets import SimpleConvNet

    net = SimpleConvNet(seed=0)
    shapes = layer_shapes(net)
    weights = {"Conv1": "W1", "Affine1": "W2", "Affine2": "W3"}
    layers = [(LAYER_NAMES[name.rstrip("0123456789")], weights.get(name), shape)
              for name, shape in shapes]
    layers.append(("Softmax", None, shapes[-1][1]))  # the loss layer keeps the scores' shape
    top, bottom, step = 4.6, 1.4, BOX_WIDTH + ARROW_LENGTH
    fig, ax = canvas((0.0, 15.6), (-0.6, 5.7), width=9)
    ax.text(0.2, top + 0.55, tr("input", "入力"), ha="left", va="bottom", fontsize=12)
    _data_arrow(ax, 0.2, top, net.input_shape)
    # the first row ends after pooling; a line takes the data down to the second row
    spots = ([(0.2 + ARROW_LENGTH + step * k, top) for k in range(3)]
             + [(0.2 + step * k, bottom) for k in range(4)])
    for (name, param, shape), (x, y) in zip(layers, spots, strict=True):
        _layer_box(ax, x, y, name, param and f"{param} {tuple(net.params[param].shape)}")
        _data_arrow(ax, x + BOX_WIDTH, y, shape, 1.5 if name == "Softmax" else ARROW_LENGTH,
                    head=name != "Pooling")
    turn, first = spots[2][0] + step, BOX_WIDTH / 2 + 0.2
    ax.plot([turn, turn + 0.3, turn + 0.3, first, first], [top, top, 3.0, 3.0, bottom + 0.6],
            color="black", lw=1.3)
    ax.annotate("", xy=(first, bottom + 0.45), xytext=(first, bottom + 0.65),
                arrowprops={"arrowstyle": "->", "lw": 1.3})
    ax.text(15.45, bottom + 0.55, tr("probabilities", "確率"), ha="right", va="bottom", fontsize=12)
    caption(ax, 7.7, 0.1, tr("blue: layers with weights (the weights' shapes under them)",
                             "青：重みをもつ層（下は重みの形状）"), va="top", fontsize=11)
    save_figure(fig, path)
    return {"simple_convnet": [shape for _, shape in shapes]}


# -- what the first layer learns --------------------------------------------------------------
def filter_mosaic(W: np.ndarray, columns: int) -> np.ndarray:
    """(FN, 1, FH, FW) filters -> one image of `columns` tiles a row, each tile scaled to its
    own range [0, 1] (as the book shows them), with NaN gaps between the tiles."""
    FN, _, FH, FW = W.shape
    rows = int(np.ceil(FN / columns))
    mosaic = np.full((rows * (FH + 1) - 1, columns * (FW + 1) - 1), np.nan)
    for k, f in enumerate(W[:, 0]):
        r, c = divmod(k, columns)
        span = f.max() - f.min()
        mosaic[r * (FH + 1):r * (FH + 1) + FH, c * (FW + 1):c * (FW + 1) + FW] = (
            (f - f.min()) / span if span else 0.5)
    return mosaic


def plot_filters(filters_by_title: dict[str, np.ndarray], path, columns: int = 15) -> None:
    """Each (FN, 1, FH, FW) filter bank as a mosaic of tiles, dark for large weights (as in
    the book), one bank under the other."""
    mosaics = {title: filter_mosaic(W, columns) for title, W in filters_by_title.items()}
    heights = [m.shape[0] for m in mosaics.values()]
    width = next(iter(mosaics.values())).shape[1]
    fig, axes = plt.subplots(len(mosaics), 1, figsize=(9, 9 * sum(heights) / width + 0.45 * len(mosaics)),
                             gridspec_kw={"height_ratios": heights}, squeeze=False)
    cmap = plt.get_cmap("gray_r").with_extremes(bad="white")
    for ax, (title, mosaic) in zip(axes[:, 0], mosaics.items(), strict=True):
        ax.imshow(mosaic, cmap=cmap, vmin=0, vmax=1, interpolation="nearest")
        ax.set_title(title, loc="left", fontsize=12)
        ax.set_axis_off()
    fig.tight_layout()
    save_figure(fig, path)


def filter_responses(W: np.ndarray, b: np.ndarray, image: np.ndarray) -> np.ndarray:
    """The first layer's output for one image, before ReLU: (FN, OH, OW)."""
    from zerodl.layers import Convolution

    image = image.reshape(1, 1, *image.shape[-2:]).astype(np.float64)
    return Convolution(W.astype(np.float64), b.astype(np.float64)).forward(image)[0]


def filter_kinds(W: np.ndarray, per_kind: int = 2) -> list[tuple[int, str]]:
    """The filters most like a horizontal edge, a vertical edge and a blob, `per_kind` of each:
    [(index, kind), ...]. A filter's likeness to a pattern is the correlation of its weights
    with it, either sign (an edge from dark to bright or from bright to dark)."""
    FH, FW = W.shape[2:]
    i, j = np.mgrid[0:FH, 0:FW]
    i, j = i - (FH - 1) / 2, j - (FW - 1) / 2
    patterns = {"horizontal": i, "vertical": j, "blob": -(i**2 + j**2)}
    flat = W[:, 0].reshape(len(W), -1)
    flat = flat - flat.mean(axis=1, keepdims=True)
    flat /= np.linalg.norm(flat, axis=1, keepdims=True)
    picked: list[tuple[int, str]] = []
    for kind, pattern in patterns.items():
        p = pattern.ravel() - pattern.mean()
        likeness = np.abs(flat @ (p / np.linalg.norm(p)))
        best = [k for k in np.argsort(-likeness, kind="stable") if k not in {n for n, _ in picked}]
        picked += [(int(k), kind) for k in best[:per_kind]]
    return picked


def plot_filter_responses(W: np.ndarray, b: np.ndarray, image: np.ndarray, path) -> list[int]:
    """The image, then the filters most like edges and blobs above the image convolved with
    each; returns their indices."""
    names = {"horizontal": tr("horizontal edge", "横のエッジ"),
             "vertical": tr("vertical edge", "縦のエッジ"), "blob": tr("blob", "点（ブロブ）")}
    picked = filter_kinds(W)
    responses = filter_responses(W, b, image)
    fig, axes = plt.subplots(2, len(picked) + 1, figsize=(1.3 * (len(picked) + 1), 3.3))
    axes[0, 0].imshow(image.reshape(image.shape[-2:]), cmap="gray")
    axes[0, 0].set_title(tr("input", "入力"), fontsize=11)
    axes[1, 0].set_axis_off()
    axes[1, 0].text(0.95, 0.5, tr("response", "反応"), ha="right", va="center", fontsize=11,
                    transform=axes[1, 0].transAxes)
    for col, (k, kind) in enumerate(picked, start=1):
        axes[0, col].imshow(W[k, 0], cmap="gray_r", interpolation="nearest")
        axes[0, col].set_title(f"{tr('filter', 'フィルター')} {k + 1}\n{names[kind]}", fontsize=10)
        axes[1, col].imshow(responses[k], cmap="gray")
    for ax in axes.ravel():
        ax.set_xticks([])
        ax.set_yticks([])
    fig.text(0.5, 0.01, tr("filters: darker = larger weight    responses: brighter = stronger",
                           "フィルター：黒いほど重みが大きい　　反応：白いほど強い"),
             ha="center", va="bottom", fontsize=11)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    save_figure(fig, path)
    return [k for k, _ in picked]


def plot_accuracy(history: dict, path, title: str) -> None:
    """Training and test accuracy per epoch."""
    epochs = np.arange(1, len(history["train_acc"]) + 1)
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(epochs, history["train_acc"], marker="o", label=tr("train", "訓練データ"))
    ax.plot(epochs, history["test_acc"], marker="s", label=tr("test", "テストデータ"))
    ax.set_xlabel(tr("epoch", "エポック"))
    ax.set_ylabel(tr("accuracy", "認識精度"))
    ax.set_ylim(0, 1)
    ax.set_xticks(epochs)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    ax.set_title(title, fontsize=12)
    fig.tight_layout()
    save_figure(fig, path)


def cnn_figures(out_dir, data, seed: int = 0, epochs: int = 10) -> dict:
    """Train the book's SimpleConvNet with SGD and draw its first layer's filters before and
    after, what they pick out of a test digit, and its accuracy per epoch.

    SGD (lr 0.1) rather than the book's Adam: Adam moves every weight by about the same step,
    so weights the data says little about stay as noisy as they started, while SGD moves each
    weight in proportion to its gradient and lets the filters' structure show.
    """
    from zerodl.nets import SimpleConvNet
    from zerodl.trainer import Trainer

    out = Path(out_dir)
    (x, t), (x_test, t_test) = data
    x, x_test = x.reshape(-1, 1, 28, 28), x_test.reshape(-1, 1, 28, 28)
    net = SimpleConvNet(seed=seed)
    before = net.params["W1"].copy()
    trainer = Trainer(net, x, t, x_test, t_test, epochs=epochs, optimizer="sgd",
                      optimizer_param={"lr": 0.1}, verbose=False, seed=seed)
    history = trainer.train()
    W, b = net.params["W1"], net.params["b1"]
    plot_filters({tr("before training", "学習前"): before,
                  tr(f"after {epochs} epochs", f"学習後（{epochs} エポック）"): W},
                 out / "cnn-filters.png")
    shown = plot_filter_responses(W, b, x_test[0], out / "cnn-filter-responses.png")
    plot_accuracy(history, out / "cnn-learning-curves.png",
                  tr(f"SimpleConvNet, SGD lr 0.1, {len(x):,} training images",
                     f"SimpleConvNet（SGD、学習率 0.1、訓練データ {len(x):,} 枚）"))
    return {"test_accuracy": round(trainer.final_test_acc, 4),
            "filters_shown": [k + 1 for k in shown]}


# -- groups -----------------------------------------------------------------------------------
DIAGRAMS: dict[str, tuple[str, Callable[[Path], dict]]] = {
    "cnn-flatten.png": ("06_cnn/flatten.png", flatten_figure),
    "cnn-convolution.png": ("06_cnn/convolution.png", convolution_figure),
    "cnn-convolution-steps.png": ("06_cnn/convolution_steps.png", convolution_steps_figure),
    "cnn-convolution-bias.png": ("06_cnn/convolution_bias.png", convolution_bias_figure),
    "cnn-padding.png": ("06_cnn/padding.png", padding_figure),
    "cnn-stride.png": ("06_cnn/stride.png", stride_figure),
    "cnn-channels.png": ("06_cnn/channels.png", channels_figure),
    "cnn-multiple-filters.png": ("06_cnn/multiple_filters.png", filters_figure),
    "cnn-batch.png": ("06_cnn/batch.png", batch_figure),
    "cnn-max-pooling.png": ("06_cnn/max_pooling.png", max_pooling_figure),
    "cnn-im2col.png": ("06_cnn/im2col.png", im2col_figure),
    "cnn-simple-convnet.png": ("06_cnn/simple_convnet.png", simple_convnet_figure),
}


def draw_diagrams(out, **_) -> dict:
    results = {}
    for name, (_, draw) in DIAGRAMS.items():
        results.update(draw(Path(out) / name))
    return results


def _cnn(out, data, quick: bool, seed: int, **_) -> dict:
    return cnn_figures(out, data(), seed=seed, epochs=2 if quick else 10)


GROUPS = (
    Group("cnn-diagrams", 7, {name: seed for name, (seed, _) in DIAGRAMS.items()}, False,
          draw_diagrams),
    Group("cnn", 7, {"cnn-filters.png": "06_cnn/filters.png",
                     "cnn-filter-responses.png": "06_cnn/filter_responses.png",
                     "cnn-learning-curves.png": "06_cnn/learning_curves.png"}, True, _cnn),
)
