"""What the subcommands share: the parser class, the checks every argument goes through before
any work starts, and the options and helpers that several commands use.

Each check is an argparse `type=`: a bad value ends the command at once with exit status 2 and
one line, `zerodl train: error: argument --lr: ...`, naming the value and what was expected.
"""

from __future__ import annotations

import argparse
import math
import tempfile
from pathlib import Path

from zerodl.backend import default_device, require_cupy
from zerodl.datasets import find_dataset, load_mnist
from zerodl.errors import ZerodlError


class UsageError(ZerodlError):
    """A command-line mistake found after parsing: reported in one line with exit status 2."""


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Help that shows each option's default (where it has one that its text does not already
    give) and keeps the line breaks of the description and the examples."""

    def _get_help_string(self, action):
        text = action.help or ""
        if (action.option_strings and "default" not in text
                and not any(action.default is v for v in (None, False, argparse.SUPPRESS))):
            shown = ",".join(map(str, action.default)) if isinstance(action.default, list) \
                else action.default
            text += f" (default: {shown})"
        return text


class Parser(argparse.ArgumentParser):
    """One line and exit status 2 for a parse error, not argparse's usage block; help that shows
    the defaults."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


# -- values ------------------------------------------------------------------------------------
def count(minimum: int = 1, maximum: int | None = None):
    """An integer in [minimum, maximum]."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got '{text}'") from None
        if value < minimum or (maximum is not None and value > maximum):
            bound = f"at least {minimum}" if maximum is None else f"from {minimum} to {maximum}"
            raise argparse.ArgumentTypeError(f"must be {bound}, got {value}")
        return value
    return parse


def real(low: float = -math.inf, high: float = math.inf, *, low_open: bool = False,
         high_open: bool = False):
    """A finite float within [low, high] (an open end excludes the bound)."""
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got '{text}'") from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"must be a finite number, got {text}")
        too_low = value <= low if low_open else value < low
        too_high = value >= high if high_open else value > high
        if too_low or too_high:
            left = "(" if low_open else "["
            right = ")" if high_open else "]"
            span = (f">= {low:g}" if not low_open else f"> {low:g}") if high == math.inf else \
                f"in {left}{low:g}, {high:g}{right}"
            raise argparse.ArgumentTypeError(f"must be {span}, got {value:g}")
        return value
    return parse


def hidden_sizes(text: str) -> list[int]:
    """Comma-separated positive layer sizes, e.g. 100,100."""
    try:
        sizes = [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected sizes like 50 or 100,100, got '{text}'") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"sizes must be positive, got '{text}'")
    return sizes


# -- paths -------------------------------------------------------------------------------------
def _writable(folder: Path) -> None:
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as e:
        raise argparse.ArgumentTypeError(f"{folder} cannot be written ({e.strerror})") from None


def _parent(path: Path) -> Path:
    parent = path.parent
    if parent.exists() and not parent.is_dir():
        raise argparse.ArgumentTypeError(f"{parent} is a file, not a folder: {path} cannot be"
                                         " made inside it")
    if not parent.is_dir():
        raise argparse.ArgumentTypeError(f"the folder {parent} does not exist (for {path})")
    return parent


def out_dir(text: str) -> Path:
    """A folder to write into: an existing writable folder, or a new one in an existing folder."""
    path = Path(text).expanduser()
    if path.exists():
        if not path.is_dir():
            raise argparse.ArgumentTypeError(f"{path} is a file, not a folder")
        _writable(path)
    else:
        _writable(_parent(path))
    return path


def out_file(text: str) -> Path:
    """A file to write: not a folder, in an existing writable folder."""
    path = Path(text).expanduser()
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{path} is a folder, not a file")
    _writable(_parent(path))
    return path


def in_file(text: str) -> Path:
    path = Path(text).expanduser()
    if not path.exists():
        raise argparse.ArgumentTypeError(f"{path}: no such file")
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"{path} is not a file")
    return path


def in_dir(text: str) -> Path:
    path = Path(text).expanduser()
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"{path}: no such folder")
    return path


# -- options that several commands take ----------------------------------------------------------
def add_device_option(p) -> None:
    p.add_argument("--device", choices=["cpu", "cuda"],
                   help="cpu (NumPy) or cuda (CuPy); default: $ZERODL_DEVICE, else cpu")


def device(args) -> str:
    chosen = args.device or default_device()
    if chosen == "cuda":
        require_cupy()
    return chosen


def add_data_options(p, dataset: bool = False) -> None:
    """--data-dir and --offline; with dataset, also --dataset and --seed."""
    if dataset:
        p.add_argument("--dataset", default="mnist", help="mnist, fashion-mnist, an alias"
                       " ($ZERODL_DATASET_ALIASES) or a folder of the four IDX files")
        p.add_argument("--seed", type=count(0), default=0, help="of every random choice")
    p.add_argument("--data-dir", type=in_dir,
                   help="folder holding <dataset>/ folders (default: $ZERODL_DATA_DIR)")
    p.add_argument("--offline", action="store_true", help="never download")


def load_dataset(args, flatten: bool = True):
    return load_mnist(flatten=flatten, dataset=args.dataset, data_dir=args.data_dir,
                      download=not args.offline)


def dataset_meta(args) -> dict:
    """The data as a model file records it (found already, so nothing is downloaded here)."""
    return find_dataset(args.dataset, args.data_dir, download=False).metadata()



def print_results(results: dict, indent: str = "  ") -> None:
    for key, value in results.items():
        if isinstance(value, dict):
            print(f"{indent}{key}: " + ", ".join(f"{k} {v}" for k, v in value.items()))
        else:
            print(f"{indent}{key}: {value}")
