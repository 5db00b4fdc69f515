"""The notebooks of notebooks/: each jupytext source, built into an .ipynb as a reader's Jupyter
would open it, runs top to bottom in a fresh python3 kernel without an error, in under a minute.

They run as a reader runs them, in a folder that holds what lies beside them in notebooks/:
`load_mnist()` finds MNIST through the alias that points at mnist-10k (the full MNIST is not on
the CI machine), and the book's weight files that a notebook loads are copied in from
../shared/book, so that nothing is downloaded.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

import jupytext
import nbclient
import pytest

FOLDER = Path(__file__).parents[1] / "notebooks"
NOTEBOOKS = sorted(FOLDER.glob("[0-9][0-9]_*.py"))
CHAPTERS = ["01_perceptron", "02_neural_network", "03_learning", "04_backpropagation",
            "05_techniques", "06_cnn", "07_deep_learning"]
LIMIT_SECONDS = 60
# the book's weight files that the notebooks load, and where they are in ../shared/book
BOOK_FILES = {"sample_weight.pkl": "sample_weight.pkl",
              "params.pkl": "deep-learning-from-scratch/ch07/params.pkl",
              "deep_convnet_params.pkl": "deep-learning-from-scratch/ch08/deep_convnet_params.pkl"}


def test_there_is_a_notebook_for_every_chapter():
    assert [path.stem for path in NOTEBOOKS] == CHAPTERS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_each_notebook_is_a_python3_notebook_with_collapsed_answers(path):
    notebook = jupytext.read(path)
    assert notebook.metadata["kernelspec"]["name"] == "python3"
    # jupytext writes the source back as it is: pairing it with an .ipynb (jupytext --sync, or
    # saving in Jupyter) changes no tracked file
    assert jupytext.writes(notebook, fmt="py:percent") == path.read_text(encoding="utf-8")
    markdown = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    exercises = re.findall(r"^### 練習問題", markdown, flags=re.MULTILINE)
    answers = re.findall(r"<details><summary>答え</summary>.+?</details>", markdown, flags=re.DOTALL)
    assert len(exercises) >= 2 and len(answers) == len(exercises), (
        f"{path.name}: {len(exercises)} exercises, {len(answers)} collapsed answers")


def book_files(text: str, data_dir: Path) -> list[Path]:
    """The book's files that a notebook's text names, in ../shared/book beside the data: copied
    beside the notebook, they are not downloaded (a failure when one is missing in CI, a skip
    elsewhere)."""
    book = data_dir.parent / "book"
    needed = [book / where for name, where in BOOK_FILES.items() if f'"{name}"' in text]
    missing = [str(p) for p in needed if not p.is_file()]
    if missing:
        message = f"the notebook loads the book's {', '.join(missing)}"
        if os.environ.get("ZERODL_REQUIRE_DATA") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return needed


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_each_notebook_runs_top_to_bottom_in_under_a_minute(path, request, tmp_path, monkeypatch):
    text = path.read_text(encoding="utf-8")
    beside = [FOLDER / "inline_figures.py"]  # the helper that shows zerodl's figures
    if "load_mnist(" in text:
        # the data_dir fixture: a failure without the datasets in CI, a skip elsewhere
        data_dir = request.getfixturevalue("data_dir")
        monkeypatch.setenv("ZERODL_DATASET_ALIASES", f"mnist={data_dir / 'mnist-10k'}")
        monkeypatch.setenv("ZERODL_DATA_DIR", str(data_dir))
        beside += book_files(text, data_dir)
    # On a machine whose cores are busy with other jobs, OpenBLAS's threads wait on each other:
    # a training step of the 5-layer net took 320 ms with two of them and 2.7 ms with one. One
    # thread measures the notebook, not its neighbours.
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")
    for file in beside:
        shutil.copy(file, tmp_path / file.name)
    built = tmp_path / f"{path.stem}.ipynb"
    jupytext.write(jupytext.read(path), built)
    notebook = jupytext.read(built)
    client = nbclient.NotebookClient(notebook, timeout=LIMIT_SECONDS, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    assert seconds < LIMIT_SECONDS, f"{path.name} took {seconds:.0f} s"
    # zerodl's figures (and the reader's own plots) appear below their cells
    images = [output for cell in notebook.cells for output in cell.get("outputs", [])
              if "image/png" in output.get("data", {})]
    assert len(images) >= 3, f"{path.name} shows {len(images)} figures"
