"""Drawing computational graphs (chapter 5): nodes, layers as boxes, and edges that carry the
forward value on one side and, as in the book, the gradient flowing back in red on the other."""

from __future__ import annotations

import numpy as np

from zerodl.plotting import plt, tr

BACKWARD = "tab:red"
OP_RADIUS = 0.42
LABEL_SIZE = 14


def op(ax, xy, text, fontsize=16, radius=OP_RADIUS) -> tuple:
    """A node of a computational graph; returns its centre and radius for edge()."""
    ax.add_patch(plt.Circle(xy, radius, facecolor="white", edgecolor="black", lw=1.5, zorder=2))
    ax.text(*xy, text, ha="center", va="center", fontsize=fontsize, zorder=3)
    return (xy, radius)


def box(ax, xy, text, size=(2.0, 0.9), color="#cfe3f7", fontsize=13) -> tuple:
    """A layer drawn as a box; returns its centre and half-size for edge()."""
    (x, y), (w, h) = xy, size
    ax.add_patch(plt.Rectangle((x - w / 2, y - h / 2), w, h, facecolor=color, edgecolor="black",
                               lw=1.3, zorder=2))
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize, zorder=3)
    return (xy, (w / 2, h / 2))


def _end(point, direction) -> np.ndarray:
    """Where an edge leaving `point` along `direction` crosses its node's outline."""
    if not isinstance(point[0], tuple):  # a free end: an input or an output
        return np.asarray(point, float)
    centre, extent = point
    if isinstance(extent, tuple):
        with np.errstate(divide="ignore"):
            reach = min(extent[0] / abs(direction[0]), extent[1] / abs(direction[1]))
    else:
        reach = extent
    return np.asarray(centre, float) + direction * reach


def _label(ax, where, normal, text, color, fontsize) -> None:
    """A label beside an arrow, on the side `normal` points to, anchored so it never covers it."""
    # on a sloping edge the text starts at the label point and runs away from the line
    ha = "left" if normal[0] > 0.15 else "right" if normal[0] < -0.15 else "center"
    va = "bottom" if normal[1] > 0.3 else "top" if normal[1] < -0.3 else "center"
    ax.text(*where, text, ha=ha, va=va, color=color, fontsize=fontsize, zorder=4)


def edge(ax, start, end, forward=None, backward=None, at=0.5, gap=0.09, lift=0.1,
         fontsize=LABEL_SIZE) -> None:
    """An edge from start to end (a node from op()/box(), or a free (x, y) point): the forward
    arrow with its value on the left of the direction of travel and, if `backward` is given, a
    red arrow back with the gradient on the other side. `at` places the labels along the edge."""
    a_centre = np.asarray(start[0] if isinstance(start[0], tuple) else start, float)
    b_centre = np.asarray(end[0] if isinstance(end[0], tuple) else end, float)
    direction = (b_centre - a_centre) / np.linalg.norm(b_centre - a_centre)
    a, b = _end(start, direction), _end(end, -direction)
    normal = np.array([-direction[1], direction[0]])
    shift = normal * gap if backward is not None else np.zeros(2)
    ax.annotate("", xy=b + shift, xytext=a + shift,
                arrowprops={"arrowstyle": "-|>", "lw": 1.3, "color": "black",
                            "shrinkA": 0, "shrinkB": 0})
    where = a + (b - a) * at
    if forward:
        _label(ax, where + shift + normal * lift, normal, forward, "black", fontsize)
    if backward is not None:
        ax.annotate("", xy=a - shift, xytext=b - shift,
                    arrowprops={"arrowstyle": "-|>", "lw": 1.6, "color": BACKWARD,
                                "shrinkA": 0, "shrinkB": 0})
        _label(ax, where - shift - normal * lift, -normal, backward, BACKWARD, fontsize)


def canvas(figsize):
    """A figure whose one axes fills it: a graph's drawing area, set by blank()."""
    fig, ax = plt.subplots(figsize=figsize)
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.01, top=0.99)
    return fig, ax


def legend(ax, xy, backward=True, fontsize=12) -> None:
    """The line under a graph that says what its black and red numbers are."""
    text = tr("black: forward values", "黒：順伝播の値")
    if backward:
        text += tr("    red: gradients flowing back", "　　赤：逆伝播で流れる微分")
    ax.text(*xy, text, fontsize=fontsize, color="0.3")


def number(value, digits=3) -> str:
    """A graph's number: as short as it is exact (110.00000000000001 -> 110, 0.19661 -> 0.197),
    with a true minus sign."""
    return f"{round(float(value), digits) + 0.0:g}".replace("-", "−")  # + 0.0: no "-0"


