"""Weight initialisation scales (chapter 6): a fixed std, Xavier, or He."""

from __future__ import annotations

import numpy as np

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
    if not spec > 0:
        raise ValueError(f"weight_init_std must be positive, got {spec}")
    return float(spec)


def gaussian(rng: np.random.Generator, shape: tuple[int, ...], std: float, dtype) -> np.ndarray:
    """Normal(0, std^2) weights of the given shape and dtype."""
    return (std * rng.standard_normal(shape)).astype(dtype)
