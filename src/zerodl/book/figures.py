"""The figures a book script shows, saved as PNG files instead (`zerodl book run --figures DIR`).

While such a script runs this module is matplotlib's backend (module://zerodl.book.figures): it
draws with Agg, and showing a figure writes it into the folder as SCRIPT-1.png, SCRIPT-2.png, ...
in the order shown. plt.show() shows every open figure and then closes them, as a reader
closing the windows would, so a later plt.show() saves only the figures made since; Figure.show()
saves its own figure, which plt.show() then does not save again (its window is already open).
An image shown with PIL's Image.show() is saved the same way.
"""

from __future__ import annotations

import contextlib
import contextvars
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
from matplotlib.backend_bases import FigureManagerBase
from matplotlib.backends.backend_agg import FigureCanvasAgg
from PIL import Image

BACKEND = "module://zerodl.book.figures"
PNG_MODES = ("1", "L", "LA", "P", "RGB", "RGBA")


@dataclass
class FigureFolder:
    """Where shown figures go, and the files written there so far."""

    folder: Path
    stem: str
    saved: list[Path] = field(default_factory=list)
    shown: set[int] = field(default_factory=set)  # id() of the open figures already saved

    def next_path(self) -> Path:
        path = self.folder / f"{self.stem}-{len(self.saved) + 1}.png"
        self.saved.append(path)
        return path

    def show(self, figure) -> None:
        if id(figure) not in self.shown:
            self.shown.add(id(figure))
            figure.savefig(self.next_path())


_folder: contextvars.ContextVar[FigureFolder | None] = contextvars.ContextVar("book_figures",
                                                                             default=None)


class FigureManager(FigureManagerBase):
    """Shows a figure by saving it."""

    def show(self) -> None:
        _folder.get().show(self.canvas.figure)

    @classmethod
    def pyplot_show(cls, *, block=None) -> None:
        folder = _folder.get()
        for number in plt.get_fignums():
            folder.show(plt.figure(number))
        plt.close("all")
        folder.shown.clear()


class FigureCanvas(FigureCanvasAgg):
    manager_class = FigureManager


def _save_image(image, title=None) -> None:
    """PIL's Image.show(), while figures are saved: the image goes to the folder as PNG."""
    if image.mode not in PNG_MODES:
        image = image.convert(Image.getmodebase(image.mode))
    image.save(_folder.get().next_path(), format="PNG")


@contextlib.contextmanager
def saving_figures(folder: Path, stem: str):
    """Until the block ends, every figure shown is saved in `folder` as STEM-N.png (the folder
    is made if need be); yields the FigureFolder, whose `saved` lists the files."""
    folder.mkdir(parents=True, exist_ok=True)
    token = _folder.set(FigureFolder(folder, stem))
    previous, show_image = matplotlib.get_backend(), Image.Image.show
    plt.switch_backend(BACKEND)
    Image.Image.show = _save_image
    try:
        yield _folder.get()
    finally:
        Image.Image.show = show_image
        plt.switch_backend(previous)  # which closes the figures left open
        _folder.reset(token)
