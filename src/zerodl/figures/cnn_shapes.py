"""Chapter 7 figures: the shapes of the data, drawn as blocks: one image of C channels, several
filters, a batch (N, C, H, W) -> (N, FN, OH, OW), and SimpleConvNet layer by layer, each shape
taken from zerodl's own layers."""

from __future__ import annotations

import numpy as np
from matplotlib import colors as mcolors

from zerodl.figures.convolution import (
    FILLS,
    FILTER_FILL,
    PAD_FILL,
    canvas,
    caption,
    data_names,
    symbol,
)
from zerodl.layers import Convolution
from zerodl.nets import SimpleConvNet
from zerodl.plotting import plt, save_figure, tr

# -- 3-D and 4-D data -------------------------------------------------------------------------
# the shapes of the block diagrams: N images of C channels, FN filters
BLOCK_SHAPES = {"N": 2, "C": 3, "H": 6, "W": 6, "FN": 5, "FH": 3, "FW": 3}
DEPTH_STEP = np.array([0.45, 0.38])  # where one channel further back is drawn


def block_shapes() -> dict[str, tuple[int, ...]]:
    """The shapes of the block diagrams, from a forward pass of zerodl's Convolution."""
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
    names = data_names()
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
    names = data_names()
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


