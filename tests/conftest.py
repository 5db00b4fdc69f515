"""Shared fixtures: an isolated user cache, and the real datasets from ZERODL_DATA_DIR."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(autouse=True, scope="session")
def _isolated_cache(tmp_path_factory):
    """Keep the tests' parsed-array cache out of the user's real cache."""
    if "ZERODL_CACHE_DIR" not in os.environ:
        os.environ["ZERODL_CACHE_DIR"] = str(tmp_path_factory.mktemp("zerodl-cache"))
    yield


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
