"""Rendering needs marp-cli (through npx) and Chromium: CI installs both and sets
ZERODL_REQUIRE_SLIDES=1, so that there a missing renderer fails the tests instead of skipping."""

import os
import shutil

import pytest

from zerodl.errors import ZerodlError
from zerodl.slides.build import chromium, marp_command


@pytest.fixture(scope="session")
def renderer() -> None:
    try:
        chromium()
        marp_command()
        import playwright  # noqa: F401  the overflow check needs it
        import pypdf  # noqa: F401
    except (ZerodlError, ImportError) as e:
        if os.environ.get("ZERODL_REQUIRE_SLIDES") == "1":
            pytest.fail(f"ZERODL_REQUIRE_SLIDES=1 but the slides cannot be rendered: {e}")
        pytest.skip(f"cannot render slides here: {e}")
    if not shutil.which("npx") and not os.environ.get("ZERODL_MARP"):
        pytest.skip("no npx")
