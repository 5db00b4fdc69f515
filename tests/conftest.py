"""Shared fixtures: an isolated user cache, and the real datasets from ZERODL_DATA_DIR."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import settings

# In CI the property tests replay a fixed sequence of examples, so a green run stays green;
# everywhere else they explore new random cases on every run.
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(autouse=True, scope="session")
def _isolated_cache(tmp_path_factory):
    """Keep the tests' parsed-array cache out of the user's real cache."""
    if "ZERODL_CACHE_DIR" not in os.environ:
        os.environ["ZERODL_CACHE_DIR"] = str(tmp_path_factory.mktemp("zerodl-cache"))
    yield


@pytest.fixture(autouse=True)
def _japanese_font(monkeypatch):
    """Japanese figures need Noto Sans CJK JP (Debian's fonts-noto-cjk). Where it is missing, a
    test that draws one is skipped; in CI (ZERODL_REQUIRE_SLIDES=1, set by .ci/run with the
    fonts installed) it fails instead."""
    from zerodl import plotting as style
    from zerodl.errors import ZerodlError

    try:
        style.require_cjk_font()
    except ZerodlError as e:
        if os.environ.get("ZERODL_REQUIRE_SLIDES") == "1":
            raise
        reason = str(e)
        monkeypatch.setattr(style, "require_cjk_font", lambda: pytest.skip(reason))


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The folder holding fashion-mnist/ and mnist-10k/ (ZERODL_DATA_DIR).

    Without it the test is skipped on a user's machine; in CI (ZERODL_REQUIRE_DATA=1, set by
    .ci/run) a missing dataset is a failure, never a skip.
    """
    value = os.environ.get("ZERODL_DATA_DIR")
    required = os.environ.get("ZERODL_REQUIRE_DATA") == "1"
    if not value:
        if required:
            pytest.fail("ZERODL_DATA_DIR is not set but ZERODL_REQUIRE_DATA=1")
        pytest.skip("set ZERODL_DATA_DIR to a folder holding fashion-mnist/ and mnist-10k/")
    path = Path(value)
    for name in ("fashion-mnist", "mnist-10k"):
        if not (path / name).is_dir():
            pytest.fail(f"ZERODL_DATA_DIR={path} has no {name}/ folder")
    return path


@pytest.fixture(scope="session")
def mnist10k(data_dir) -> Path:
    return data_dir / "mnist-10k"


def numerical_layer_check(layer, x: np.ndarray, seed: int = 0) -> dict[str, float]:
    """Relative errors of a layer's backward against central differences.

    The scalar checked is L = sum(forward(x) * w) for a fixed random w, whose gradient with
    respect to the output is w: backward(w) must give dL/dx, and the layer's dW, db, ... too.
    """
    from zerodl.gradient import numerical_gradient, relative_error

    rng = np.random.default_rng(seed)
    out = layer.forward(x)
    w = rng.standard_normal(out.shape)
    w_before = w.copy()
    dx = layer.backward(w)
    assert np.array_equal(w, w_before), "backward modified the gradient it was given"
    analytic = {"x": dx, **{name: getattr(layer, "d" + name).copy() for name in layer.param_names}}

    def loss(_):
        return float(np.sum(layer.forward(x) * w))

    errors = {"x": relative_error(analytic["x"], numerical_gradient(loss, x))}
    for name in layer.param_names:
        errors[name] = relative_error(analytic[name], numerical_gradient(loss, getattr(layer, name)))
    return errors


@pytest.fixture
def layer_check():
    return numerical_layer_check
