"""How zerodl draws: matplotlib without a window, labels in English or Japanese, reproducible
PNG files, the circles and arrows of the network diagrams, and the learning curves of a run.

A figure's text is written once in both languages with `tr("loss", "損失")`; the figure is drawn
in whichever language is active (`with language("ja"): ...`). Japanese text needs a CJK font:
the Latin letters and formulas stay in matplotlib's DejaVu, as in the English figures, and only
the kana and kanji fall back to Noto Sans CJK JP (Debian's `fonts-noto-cjk`).
"""

from __future__ import annotations

import contextlib
import contextvars
import os
from collections.abc import Iterator
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


def smooth(values, window: int = 20) -> np.ndarray:
    """Moving average over `window` values, for loss curves that are readable at a glance."""
    values = np.asarray(values, dtype=np.float64)
    if values.size < window:
        return values
    return np.convolve(values, np.ones(window) / window, mode="valid")


def plot_learning_curves(history: dict, path, title: str | None = None) -> None:
    """The training loss per iteration, raw and smoothed (left), and the accuracy per epoch on
    each split (right), as one PNG."""
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 4))
    loss = np.asarray(history["train_loss"])
    steps = np.arange(1, loss.size + 1)
    window = max(1, min(50, loss.size // 10))
    ax_loss.plot(steps, loss, lw=0.5, color="tab:blue", alpha=0.3, label=tr("each step", "各ステップ"))
    if loss.size >= window > 1:
        ax_loss.plot(steps[window - 1:], smooth(loss, window), lw=1.8, color="tab:blue",
                     label=tr(f"mean of {window} steps", f"{window} ステップの平均"))
    ax_loss.set_title(tr("training loss", "訓練データの損失"))
    ax_loss.set_xlabel(tr("iteration", "イテレーション"))
    ax_loss.set_ylabel(tr("loss (cross-entropy)", "損失（交差エントロピー誤差）"))
    if loss.size and loss.min() > 0:
        ax_loss.set_yscale("log")
    epochs = np.arange(1, len(history["train_acc"]) + 1)
    for key, label in (("train_acc", tr("train", "訓練")), ("test_acc", tr("test", "テスト")),
                       ("val_acc", tr("validation", "検証"))):
        if history.get(key):
            ax_acc.plot(epochs, history[key], marker="o", label=label)
    ax_acc.set_title(tr("accuracy per epoch", "エポックごとの認識精度"))
    ax_acc.set_xlabel(tr("epoch", "エポック"))
    ax_acc.set_ylabel(tr("accuracy", "認識精度"))
    if epochs.size:
        ax_acc.set_xticks(epochs if epochs.size <= 20 else np.linspace(1, epochs.size, 11).round())
    for ax in (ax_loss, ax_acc):
        ax.grid(True, alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    save_figure(fig, path)
