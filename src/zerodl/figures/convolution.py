"""Chapter 7 figures: convolution and pooling in numbers, padding, stride and im2col (the blocks
of 3-D and 4-D data are zerodl.figures.cnn_shapes').

The numbers in the diagrams are computed by zerodl's own layers (Convolution, Pooling, im2col,
Flatten) from the book's small examples, and returned by each function, so that the tests can
check them against hand-computed values.
"""

from __future__ import annotations

import numpy as np

from zerodl.im2col import im2col
from zerodl.layers import Convolution, Flatten, Pooling
from zerodl.plotting import blank, plt, save_figure, tr

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
    image, filt = np.asarray(image, float), np.asarray(filt, float)
    layer = Convolution(filt[None, None], np.array([float(bias)]), stride, pad)
    return layer.forward(image[None, None])[0, 0]


def max_pool(image, size: int = 2, stride: int = 2) -> np.ndarray:
    """One 2-D image max-pooled by zerodl's Pooling layer."""
    return Pooling(size, size, stride).forward(np.asarray(image, float)[None, None])[0, 0]


def windows(image, filter_size: int, stride: int = 1) -> np.ndarray:
    """Every filter-sized window of a 2-D image, one per row: zerodl's im2col."""
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


def data_names() -> dict[str, str]:
    return {"input": tr("input", "入力データ"), "filter": tr("filter", "フィルター"),
            "output": tr("output", "出力データ"), "bias": tr("bias", "バイアス")}


# -- why convolution --------------------------------------------------------------------------
FLATTEN_IMAGE = np.array([[0, 0, 0, 0, 0], [0, 1, 1, 1, 0], [0, 0, 0, 1, 0], [0, 0, 1, 0, 0],
                          [0, 0, 1, 0, 0]])


def flatten_figure(path) -> dict:
    """A 5x5 image and the 25 values an Affine layer sees: two pixels one above the other end
    up 5 apart, and nothing in the row says they were neighbours."""
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
    names = data_names()
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
    names = data_names()
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
    names = data_names()
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
    names = data_names()
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
    names = data_names()
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
    names = data_names()
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
