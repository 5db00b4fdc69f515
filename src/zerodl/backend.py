"""NumPy on the CPU or CuPy on a CUDA GPU, with the same code.

Layers ask for the array module of the arrays they are given (`get_array_module(x)`) instead of
importing NumPy directly, so a network whose parameters live on the GPU computes there. CuPy is
an optional extra; the core imports without it.
"""

from __future__ import annotations

import os

import numpy as np

from zerodl.errors import ZerodlError

DEVICES = ("cpu", "cuda")


def get_array_module(*arrays):
    """cupy when any of `arrays` is a CuPy array, else numpy."""
    for a in arrays:
        if type(a).__module__.startswith("cupy"):
            # optional: pip install 'zerodl[cuda]'
            import cupy

            return cupy
    return np


def require_cupy():
    """The cupy module with a usable CUDA device, or a ZerodlError saying how to get one."""
    try:
        # optional: pip install 'zerodl[cuda]'
        import cupy
    except ImportError:
        raise ZerodlError("--device cuda needs CuPy: pip install 'zerodl[cuda]' (CuPy for CUDA 12;"
                          " see https://docs.cupy.dev for other CUDA versions)") from None
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as e:  # CuPy raises its own CUDA runtime errors
        raise ZerodlError(f"CuPy is installed but CUDA is not usable: {e}") from None
    if count == 0:
        raise ZerodlError("CuPy is installed but found no CUDA device")
    return cupy


def default_device() -> str:
    """$ZERODL_DEVICE (cpu or cuda), else cpu."""
    device = os.environ.get("ZERODL_DEVICE", "cpu")
    if device not in DEVICES:
        raise ZerodlError(f"ZERODL_DEVICE={device!r}: use one of {', '.join(DEVICES)}")
    return device


def array_module(device: str):
    """numpy for 'cpu', cupy for 'cuda'."""
    if device == "cpu":
        return np
    if device == "cuda":
        return require_cupy()
    raise ZerodlError(f"unknown device {device!r}: use one of {', '.join(DEVICES)}")


def to_numpy(a) -> np.ndarray:
    """A host NumPy array from a NumPy or CuPy array (or anything array-like)."""
    return a.get() if hasattr(a, "get") and not isinstance(a, np.ndarray) else np.asarray(a)
