"""A group of figures: what `zerodl figures` draws with one function, and where each file goes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


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
