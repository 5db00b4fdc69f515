"""Weight initialisation scales (chapter 6): a fixed std, Xavier, or He."""

from __future__ import annotations

import contextvars
import math
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

from zerodl.budget import require_memory
from zerodl.errors import ModelFileError, ResourceError

SCALE_NAMES = ("relu", "he", "sigmoid", "xavier")


def weight_scale(spec: str | float, fan_in: int) -> float:
    """The std of initial weights: 'he'/'relu' sqrt(2/n), 'xavier'/'sigmoid' sqrt(1/n), or a number."""
    if isinstance(spec, str):
        name = spec.lower()
        if name in ("relu", "he"):
            return float(np.sqrt(2.0 / fan_in))
        if name in ("sigmoid", "xavier"):
            return float(np.sqrt(1.0 / fan_in))
        try:
            spec = float(name)
        except ValueError:
            raise ValueError(
                f"unknown weight_init_std '{spec}': use a number or one of {', '.join(SCALE_NAMES)}"
            ) from None
    if not 0 < spec < math.inf:
        raise ValueError(f"weight_init_std must be a positive number, got {spec}")
    return float(spec)


# Elements that parameter creation may still allocate; None outside parameter_budget().
_budget: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar("budget", default=None)


@contextmanager
def parameter_budget(elements: int) -> Iterator[None]:
    """Fail with ModelFileError before allocating more than `elements` parameter elements.

    Loading a model rebuilds it from the config in the file; a config that asks for far more
    weights than the file holds is refused here, before the memory is taken.
    """
    token = _budget.set([elements])
    try:
        yield
    finally:
        _budget.reset(token)


def _spend(shape: tuple[int, ...], itemsize: int) -> None:
    """Check a parameter against the budget of a file (if any), then the memory left."""
    dims = tuple(int(d) for d in np.atleast_1d(shape))
    n = math.prod(dims)
    budget = _budget.get()
    if budget is not None:
        if n > budget[0]:
            raise ModelFileError(f"the config asks for a parameter of shape {dims},"
                                 " more weights than the file holds")
        budget[0] -= n
    require_memory(n * itemsize, f"a parameter of shape {dims}", ResourceError)


def gaussian(rng: np.random.Generator, shape: tuple[int, ...], std: float, dtype) -> np.ndarray:
    """Normal(0, std^2) weights of the given shape and dtype."""
    _spend(shape, 8)  # drawn in float64, then cast
    return (std * rng.standard_normal(shape)).astype(dtype)


def constant(shape, value: float, dtype) -> np.ndarray:
    """A parameter filled with `value` (zeros for biases, ones for BatchNorm's gamma)."""
    _spend(shape, np.dtype(dtype).itemsize)
    return np.full(shape, value, dtype=dtype)
