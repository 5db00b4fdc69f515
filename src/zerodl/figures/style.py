"""How every figure is drawn: matplotlib without a window, labels in English or Japanese,
reproducible PNG files, and the circles and arrows of the network diagrams.

A figure's text is written once in both languages with `tr("loss", "損失")`; the figure is drawn
in whichever language is active (`with language("ja"): ...`). Japanese text needs a CJK font:
the Latin letters and formulas stay in matplotlib's DejaVu, as in the English figures, and only
the kana and kanji fall back to Noto Sans CJK JP (Debian's `fonts-noto-cjk`).
"""

from __future__ import annotations

import contextlib
import contextvars
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import matplotlib

# No window: figures are files. A Jupyter kernel chooses its inline backend through
# MPLBACKEND, and keeps it, so that a notebook's own plots still show.
if "inline" not in os.environ.get("MPLBACKEND", ""):
    matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib import font_manager

from zerodl.atomic import atomic_open
from zerodl.errors import ZerodlError

LANGUAGES = ("en", "ja")
CJK_FONT = "Noto Sans CJK JP"
_language: contextvars.ContextVar[str] = contextvars.ContextVar("figure_language", default="en")

__all__ = ["LANGUAGES", "Group", "arrow", "blank", "language", "node", "plt", "save_figure", "tr"]


@dataclass(frozen=True)
class Group:
    """Figures drawn together by one function.

    `files` maps each file the function writes (its name in the flat layout of docs/figures) to
    its path in the slide deck's chapter folders (`zerodl figures --layout seed`). `draw(out,
    **context)` writes the files into the folder `out`; the context holds `data` (a cached
    load_mnist()), `quick`, `seed`, `dataset`, `data_dir` and `download`. It returns the
    numbers the figures show, if any, as a dict.
    """

    name: str
    chapter: int
    files: dict[str, str]
    needs_data: bool
    draw: Callable[..., object]


def tr(en: str, ja: str) -> str:
    """The text in the language that figures are being drawn in.

    A Japanese text must not mix kana or kanji with `$...$`: matplotlib sets a text that holds
    math in its math fonts, which have no Japanese, so the whole text would come out as boxes.
    Put the formula in a text of its own, or write it in Unicode (x₀², ∂f/∂x)."""
    return ja if _language.get() == "ja" else en


def _has_font(family: str) -> bool:
    try:
        font_manager.findfont(family, fallback_to_default=False)
    except ValueError:
        return False
    return True


def require_cjk_font() -> None:
    if _has_font(CJK_FONT):
        return
    # matplotlib lists the system's fonts once and caches the list, so a font installed since
    # then is unknown to it until it is added
    for path in font_manager.findSystemFonts():
        if Path(path).name.startswith("NotoSansCJK"):
            font_manager.fontManager.addfont(path)
    if not _has_font(CJK_FONT):
        raise ZerodlError(f"Japanese figures need the {CJK_FONT} font: install it (Debian and"
                          " Ubuntu: apt-get install fonts-noto-cjk), then run again")


@contextlib.contextmanager
def language(lang: str) -> Iterator[None]:
    """Draw the figures made inside this block in `lang` ("en" or "ja")."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown figure language '{lang}': use one of {', '.join(LANGUAGES)}")
    rc = {}
    if lang == "ja":
        require_cjk_font()
        rc = {"font.family": ["DejaVu Sans", CJK_FONT]}
    token = _language.set(lang)
    try:
        with plt.rc_context(rc):
            yield
    finally:
        _language.reset(token)


def save_figure(fig, path) -> None:
    """Save a figure as PNG atomically (fixed metadata, so equal figures give equal files)."""
    with atomic_open(path) as f:
        fig.savefig(f, format="png", dpi=100, metadata={"Software": None})
    plt.close(fig)


def node(ax, xy, text, radius=0.35, color="white", fontsize=13):
    """A unit of a network diagram: a circle with its symbol."""
    ax.add_patch(plt.Circle(xy, radius, facecolor=color, edgecolor="black", lw=1.5, zorder=2))
    ax.text(*xy, text, ha="center", va="center", fontsize=fontsize, zorder=3)


def arrow(ax, start, end, label=None, radius=0.35, label_at=0.45, offset=(0, 0.18),
          color="black", **text):
    """An arrow between two node centres, stopping at the circles' edges, with an optional label
    placed `label_at` of the way along it and moved by `offset`."""
    start, end = np.asarray(start, float), np.asarray(end, float)
    direction = (end - start) / np.linalg.norm(end - start)
    a, b = start + direction * radius, end - direction * radius
    ax.annotate("", xy=b, xytext=a, arrowprops={"arrowstyle": "->", "lw": 1.3, "color": color})
    if label:
        where = a + (b - a) * label_at + np.asarray(offset)
        ax.text(*where, label, ha="center", va="center", **{"fontsize": 11, **text})


def blank(ax, xlim, ylim):
    """A diagram's canvas: fixed limits, equal scales, no axes."""
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.set_axis_off()

