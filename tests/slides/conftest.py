"""Rendering needs marp-cli (installed with npm) and Chromium: CI installs both and sets
ZERODL_REQUIRE_SLIDES=1, so that there a missing renderer fails the tests instead of skipping."""

import os

import pytest

from zerodl.errors import ZerodlError
from zerodl.slides.build import chromium, marp_install


@pytest.fixture(scope="session")
def renderer() -> None:
    try:
        chromium()
        marp_install()
        import playwright  # noqa: F401  the overflow check needs it
        import pypdf  # noqa: F401
    except (ZerodlError, ImportError) as e:
        if os.environ.get("ZERODL_REQUIRE_SLIDES") == "1":
            pytest.fail(f"ZERODL_REQUIRE_SLIDES=1 but the slides cannot be rendered: {e}")
        pytest.skip(f"cannot render slides here: {e}")
