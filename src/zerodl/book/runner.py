"""Running a book script unmodified: as `python SCRIPT.py ARGS` would, from the script's folder."""

from __future__ import annotations

import contextlib
import os
import runpy
import sys
from pathlib import Path

from zerodl.book.figures import saving_figures
from zerodl.book.hook import SERVED, serving_book_modules
from zerodl.book.pickles import reading_pickles_safely
from zerodl.book.settings import DEFAULTS, Settings, using

__all__ = ["SERVED", "as_main_program", "run_script"]


def run_script(script, args=(), settings: Settings = DEFAULTS, figures=None) -> list[Path]:
    """Run `script` as __main__, with `args` after it in sys.argv, in the script's folder.

    While it runs, common.* and dataset.mnist are zerodl's (zerodl.book.hook) under `settings`,
    pickle.load and pickle.loads read only dicts of arrays (zerodl.book.pickles), and with a
    `figures` folder every figure the script shows is saved there (zerodl.book.figures).
    Returns the figures saved. Raises whatever the script raises, SystemExit included, once the
    working folder, sys.argv, sys.path, the modules, pickle and matplotlib are as they were.
    """
    # paths are made absolute before the run moves into the script's folder
    script = Path(script).resolve()
    figures = None if figures is None else Path(figures).resolve()
    with contextlib.ExitStack() as stack:
        stack.enter_context(using(settings.absolute()))
        stack.enter_context(as_main_program(script, args))
        stack.enter_context(serving_book_modules())
        stack.enter_context(reading_pickles_safely())
        saved: list[Path] = []
        if figures is not None:
            saved = stack.enter_context(saving_figures(figures, script.stem)).saved
        runpy.run_path(str(script), run_name="__main__")
    return saved


@contextlib.contextmanager
def as_main_program(script: Path, args=()):
    """The working folder, sys.argv and sys.path that `python SCRIPT ARGS` run in the script's
    folder has, until the block ends.

    Then the modules that the script imported from its own places (its folder, and what it
    added to sys.path, such as os.pardir) are forgotten, so that another script's two_layer_net
    is its own: the book has one in ch04 and another in ch05.
    """
    folder = script.parent
    saved_argv, saved_path, saved_cwd = sys.argv, list(sys.path), os.getcwd()
    before = set(sys.modules)
    sys.argv = [str(script), *args]
    sys.path.insert(0, str(folder))
    os.chdir(folder)
    try:
        yield
    finally:
        places = [(folder / entry).resolve() for entry in sys.path
                  if isinstance(entry, str) and entry not in saved_path]
        os.chdir(saved_cwd)
        sys.argv, sys.path[:] = saved_argv, saved_path
        for name in set(sys.modules) - before:
            if name.partition(".")[0] not in before and _lives_in(sys.modules[name], places):
                del sys.modules[name]


def _lives_in(module, places: list[Path]) -> bool:
    file = getattr(module, "__file__", None)
    return file is not None and any(Path(file).resolve().is_relative_to(p) for p in places)
