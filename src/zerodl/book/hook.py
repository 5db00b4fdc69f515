"""The import hook that answers a book script's `import common.layers` (and the rest) with zerodl.

It sits in sys.meta_path before the finder that searches sys.path, so the book's own common/
and dataset/ folders, which the scripts put on sys.path, are never reached for the modules it
serves. A served module is a fresh module under the book's name (common.layers) holding the
very objects that zerodl's module (zerodl.book.common.layers) exports: a class is one class
whichever name a script imports it by.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.abc
import importlib.util
import sys

# the book's module name -> the zerodl module that serves it
SERVED = {
    "common": "zerodl.book.common",
    **{f"common.{name}": f"zerodl.book.common.{name}" for name in (
        "functions", "gradient", "layers", "multi_layer_net", "multi_layer_net_extend",
        "optimizer", "trainer", "util")},
    "dataset": "zerodl.book.dataset",
    "dataset.mnist": "zerodl.book.dataset.mnist",
}
PACKAGES = ("common", "dataset")


class _ServedLoader(importlib.abc.Loader):
    """Fills a module with what its zerodl module exports (its __all__)."""

    def __init__(self, source: str) -> None:
        self.source = source

    def create_module(self, spec):
        return None  # a plain module

    def exec_module(self, module) -> None:
        source = importlib.import_module(self.source)
        module.__doc__ = source.__doc__
        module.__all__ = list(source.__all__)
        for name in source.__all__:
            setattr(module, name, getattr(source, name))


class BookFinder(importlib.abc.MetaPathFinder):
    """Finds the modules of SERVED, and no others."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname not in SERVED:
            return None
        return importlib.util.spec_from_loader(fullname, _ServedLoader(SERVED[fullname]),
                                               is_package=fullname in PACKAGES)


def _is_served(name: str) -> bool:
    return name.partition(".")[0] in PACKAGES


@contextlib.contextmanager
def serving_book_modules():
    """Serve the book's modules until the block ends; then forget them, and put back whatever
    modules of those names were imported before."""
    hidden = {name: sys.modules.pop(name) for name in list(sys.modules) if _is_served(name)}
    finder = BookFinder()
    sys.meta_path.insert(0, finder)
    try:
        yield finder
    finally:
        sys.meta_path.remove(finder)
        for name in [name for name in sys.modules if _is_served(name)]:
            del sys.modules[name]
        sys.modules.update(hidden)
