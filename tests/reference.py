"""Checking zerodl against a reference framework: the same computation in PyTorch, compared
output by output and gradient by gradient (the habit of micrograd's and tinygrad's tests).

A layer is checked in one call:

    compare_layer(Affine(W, b), lambda x, W, b: x @ W + b, x)

runs `layer.forward(x)` and `layer.backward(dout)` for a random `dout`, and the torch function on
the same x and on the layer's own parameters (passed by name), and compares the outputs, the
input gradient and every parameter gradient (`layer.dW` against `W.grad`, ...). A layer that is
consistently wrong in both directions passes a numerical gradient check, but not this.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

try:
    import torch
except ImportError:
    # CI installs PyTorch (pip install torch==2.13.0) and sets this, so that there a missing
    # reference fails the tests instead of skipping them
    if os.environ.get("ZERODL_REQUIRE_TORCH") == "1":
        raise
    pytest.skip("PyTorch is not installed: pip install torch==2.13.0", allow_module_level=True)

# float32 keeps about 7 digits; sums over a few hundred terms lose about two of them
TOLERANCES = {np.float64: (1e-9, 1e-11), np.float32: (2e-4, 1e-5)}


def tensor(a: np.ndarray, grad: bool = True):
    t = torch.from_numpy(np.ascontiguousarray(a).copy())
    return t.requires_grad_(grad) if t.is_floating_point() else t


def assert_close(name: str, ours, theirs, dtype) -> None:
    rtol, atol = TOLERANCES[np.dtype(dtype).type]
    theirs = theirs.detach().numpy() if hasattr(theirs, "detach") else np.asarray(theirs)
    np.testing.assert_allclose(np.asarray(ours), theirs, rtol=rtol, atol=atol,
                               err_msg=f"{name} differs from PyTorch's")


def compare_layer(layer, torch_fn, x: np.ndarray, *extra, train: bool | None = None,
                  seed: int = 0) -> None:
    """Forward, input gradient and parameter gradients of `layer` against `torch_fn(x, *extra,
    **params)`; `extra` are further inputs that get no gradient (labels, say)."""
    dtype = x.dtype
    forward = {} if train is None else {"train_flg": train}
    out = layer.forward(x, *extra, **forward)
    params = {name: tensor(getattr(layer, name)) for name in layer.param_names}
    xt = tensor(x)
    out_t = torch_fn(xt, *[tensor(e, grad=False) for e in extra], **params)
    assert_close("forward", out, out_t, dtype)
    if np.ndim(out) == 0:  # a loss: backward from 1
        dout, out_t_sum = 1.0, out_t
    else:
        dout = np.random.default_rng(seed).standard_normal(np.shape(out)).astype(dtype)
        out_t_sum = (out_t * tensor(dout, grad=False)).sum()
    dx = layer.backward(dout)
    out_t_sum.backward()
    assert_close("dx", dx, xt.grad, dtype)
    for name, p in params.items():
        assert_close(f"d{name}", getattr(layer, "d" + name), p.grad, dtype)


def compare_optimizer(ours, torch_cls, steps: int = 200, seed: int = 0, **torch_options) -> None:
    """`steps` updates of zerodl's optimizer and of torch.optim's on the same parameters and the
    same gradients (those of a fixed, badly scaled quadratic plus noise), compared after each."""
    rng = np.random.default_rng(seed)
    start = {"W": rng.standard_normal((4, 3)), "b": rng.standard_normal(3)}
    scale = {"W": rng.uniform(0.1, 10, (4, 3)), "b": rng.uniform(0.1, 10, 3)}
    params = {k: v.copy() for k, v in start.items()}
    theirs = {k: torch.tensor(v.copy(), requires_grad=True) for k, v in start.items()}
    opt = torch_cls(list(theirs.values()), **torch_options)
    for step in range(steps):
        noise = {k: rng.standard_normal(v.shape) * 0.1 for k, v in start.items()}
        grads = {k: scale[k] * params[k] + noise[k] for k in params}
        ours.update(params, grads)
        opt.zero_grad()
        for k, t in theirs.items():
            t.grad = torch.from_numpy(scale[k]) * t.detach() + torch.from_numpy(noise[k])
        opt.step()
        for k in params:
            np.testing.assert_allclose(params[k], theirs[k].detach().numpy(), rtol=1e-7,
                                       atol=1e-9, err_msg=f"{k} after step {step + 1}")

