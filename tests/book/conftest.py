"""The book's repository (a copy, MIT), whose scripts these tests run: beside the data folder."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def book_repo(data_dir) -> Path:
    """../shared/book/deep-learning-from-scratch: skipped without it, failed in CI."""
    repo = data_dir.resolve().parent / "book" / "deep-learning-from-scratch"
    if not (repo / "common" / "layers.py").is_file():
        if os.environ.get("ZERODL_REQUIRE_DATA") == "1":
            pytest.fail(f"the book's repository is not at {repo}")
        pytest.skip(f"the book's repository is not at {repo}")
    return repo


@pytest.fixture
def fresh_book(book_repo, tmp_path) -> Path:
    """A fresh copy of the book's repository: some scripts write files beside themselves."""
    copy = tmp_path / "deep-learning-from-scratch"
    shutil.copytree(book_repo, copy)
    return copy
