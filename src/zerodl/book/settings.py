"""What `zerodl book run` decides for the modules it serves: their conventions and their data."""

from __future__ import annotations

import contextlib
import contextvars
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from zerodl.datasets import DATASETS, dataset_aliases


@dataclass(frozen=True)
class Conventions:
    """Which side the served modules take where the book's code and today's practice differ."""

    name: str
    dtype: type  # of common.multi_layer_net's and common.multi_layer_net_extend's networks
    dropout_scale: str  # zerodl.layers.Dropout: "book" scales at inference, "inverted" in training
    batchnorm_style: str  # zerodl.layers.BatchNormalization: "book" or "standard" eps and start


CONVENTIONS = {c.name: c for c in (
    Conventions("book", np.float64, dropout_scale="book", batchnorm_style="book"),
    Conventions("zerodl", np.float32, dropout_scale="inverted", batchnorm_style="standard"),
)}


@dataclass(frozen=True)
class Settings:
    """The conventions, and the data that dataset.mnist.load_mnist returns (zerodl.datasets'
    load_mnist arguments)."""

    conventions: Conventions = CONVENTIONS["book"]
    dataset: str = "mnist"
    data_dir: Path | None = None
    download: bool = True

    def absolute(self) -> Settings:
        """These settings with their folders made absolute, since a script runs in its own
        folder (a named dataset, an alias or a word that is neither stays as it is)."""
        dataset, folder = self.dataset, Path(self.dataset).expanduser()
        if dataset not in DATASETS and dataset not in dataset_aliases() and (
                folder.exists() or len(folder.parts) > 1):
            dataset = str(folder.resolve())
        data_dir = None if self.data_dir is None else Path(self.data_dir).expanduser().resolve()
        return replace(self, dataset=dataset, data_dir=data_dir)


DEFAULTS = Settings()
_current: contextvars.ContextVar[Settings] = contextvars.ContextVar("book_settings",
                                                                    default=DEFAULTS)


def current() -> Settings:
    """The settings of the script that runs now (the defaults outside a run)."""
    return _current.get()


@contextlib.contextmanager
def using(settings: Settings):
    """Make `settings` the current ones until the block ends."""
    token = _current.set(settings)
    try:
        yield settings
    finally:
        _current.reset(token)


def numpy_seed() -> int:
    """A seed for one of zerodl's generators, drawn from NumPy's global generator.

    The book's code draws everything random from that one, so a script that calls
    np.random.seed(...) repeats its runs; zerodl's networks and Trainer, served to it, then
    repeat theirs too.
    """
    return int(np.random.randint(2**31 - 1))  # noqa: NPY002 - the generator scripts seed


def network_options() -> dict:
    """The keyword arguments of a zerodl network built for a script: seed and dtype."""
    return {"seed": numpy_seed(), "dtype": current().conventions.dtype}
