"""The book's own scripts, unmodified, each from a fresh copy of its repository: a fast subset of
the 36 (benchmarks/book_scripts.py runs them all, beside the book's own code)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from zerodl.book import Settings, run_script
from zerodl.book.catalog import NOT_SCRIPTS, SCRIPTS

# Printed by the book's own code on ../shared/data/mnist-10k (benchmarks/book_scripts.py),
# for the scripts whose output draws nothing at random.
BOOK_PRINTS = {
    "ch02/xor_gate.py": "(0, 0) -> 0\n(1, 0) -> 1\n(0, 1) -> 1\n(1, 1) -> 0\n",
    "ch03/neuralnet_mnist_batch.py": "Accuracy:0.9352\n",
    "ch03/mnist_show.py": "3\n(784,)\n(28, 28)\n",
    "ch04/gradient_1d.py": "0.1999999999990898\n",
    "ch05/buy_apple_orange.py": "price: 715\ndApple: 2.2\ndApple_num: 110\ndOrange: 3.3000000000000003"
                                "\ndOrange_num: 165\ndTax: 650\n",
}
FIGURES = {"ch03/mnist_show.py": 1, "ch04/gradient_1d.py": 1, "ch06/optimizer_compare_naive.py": 1,
           "ch07/visualize_filter.py": 2, "ch07/apply_filter.py": 2}


def test_the_catalog_is_every_python_file_of_chapters_2_to_8(book_repo):
    files = {str(p.relative_to(book_repo)) for p in book_repo.glob("ch0[2-8]/*.py")}
    assert files == set(SCRIPTS) | set(NOT_SCRIPTS) and len(SCRIPTS) == 36
    assert not set(SCRIPTS) & set(NOT_SCRIPTS)


def run_book_script(book: Path, script: str, data: Path, tmp_path, capsys):
    """What `script` printed, and the figures it saved."""
    figures = run_script(book / script, settings=Settings(dataset=str(data)),
                         figures=tmp_path / "figures")
    return capsys.readouterr().out, figures


@pytest.mark.parametrize("script", sorted({*BOOK_PRINTS, *FIGURES}))
def test_a_script_prints_what_the_books_code_prints_and_saves_its_figures(
        script, fresh_book, mnist10k, tmp_path, capsys):
    out, figures = run_book_script(fresh_book, script, mnist10k, tmp_path, capsys)
    if script in BOOK_PRINTS:
        assert out == BOOK_PRINTS[script]
    assert [f.name for f in figures] == [f"{Path(script).stem}-{i + 1}.png"
                                         for i in range(FIGURES.get(script, 0))]


def book_own_output(book: Path, script: str, data: Path, seed: int) -> str:
    """What the book's own code prints for `script` in the copy `book`, NumPy's generator seeded
    first: the dataset's files go where the book's loader would download them, and it converts
    them itself."""
    for file in data.glob("*.gz"):
        shutil.copy(file, book / "dataset" / file.name)
    path = book / script
    code = (f"import runpy, sys, numpy; numpy.random.seed({seed});"
            f" sys.path.insert(0, {str(path.parent)!r});"
            f" runpy.run_path({str(path)!r}, run_name='__main__')")
    return subprocess.run([sys.executable, "-c", code], cwd=path.parent, capture_output=True,
                          text=True, check=True, timeout=300).stdout


def differences(out: str) -> dict[str, float]:
    return {key: float(value) for key, value in re.findall(r"^(\w+)[: ](\S+)$", out, re.M)}


@pytest.mark.parametrize("script", ["ch05/gradient_check.py", "ch07/gradient_check.py"])
def test_gradient_checks_match_the_books_code_or_do_better(script, fresh_book, book_repo,
                                                            mnist10k, tmp_path, capsys):
    """Seeded alike, the book's networks draw the same weights and data on zerodl's layers.
    Where a probe of h = 1e-4 crosses a kink of ReLU or max-pooling, both codes print the same
    large difference (it depends on the draw); elsewhere zerodl's float64 loss is exact
    (log-softmax, no 1e-7 inside the log), and its differences are far smaller: at the output
    layer's bias, whose loss has no kink, a thousandth of the book's."""
    np.random.seed(1)  # noqa: NPY002 - the generator that the book's scripts draw from
    ours = differences(run_book_script(fresh_book, script, mnist10k, tmp_path, capsys)[0])
    books = differences(book_own_output(fresh_book, script, mnist10k, seed=1))
    assert ours.keys() == books.keys() and len(ours) >= 4
    for key, diff in ours.items():
        assert diff <= books[key] * 1.01 + 1e-9, (key, diff, books[key])
    last_bias = sorted(key for key in ours if key.startswith("b"))[-1]
    assert ours[last_bias] < books[last_bias] / 1000 < 1e-9


# (label, inference) of the first 20 test images that the book's trained DeepConvNet gets wrong,
# as the book's code prints them
BOOK_MISTAKES = [(9, 8), (9, 8), (9, 8), (6, 0), (8, 5), (9, 8), (2, 7), (6, 0), (4, 1), (4, 9),
                 (3, 2), (8, 2), (8, 2), (1, 8), (3, 9), (7, 2), (1, 7), (5, 8), (4, 9), (4, 9)]


def test_the_books_deep_convnet_prints_the_books_accuracy_and_mistakes(fresh_book, mnist10k,
                                                                       tmp_path, capsys):
    """The book's DeepConvNet on zerodl's layers, its weights read from the book's pickle by
    zerodl's reader, with the book's Dropout (which scales by 0.5 at inference): the book's
    output, character for character."""
    out, figures = run_book_script(fresh_book, "ch08/misclassified_mnist.py", mnist10k, tmp_path,
                                   capsys)
    mistakes = ", ".join(f"{i}: (np.uint8({label}), np.int64({guess}))"
                         for i, (label, guess) in enumerate(BOOK_MISTAKES, start=1))
    assert out == ("calculating test accuracy ... \ntest accuracy:0.9797\n"
                   "======= misclassified result =======\n{view index: (label, inference), ...}\n"
                   f"{{{mistakes}}}\n")
    assert len(figures) == 1


def test_the_command_line_runs_a_script_from_anywhere(fresh_book, mnist10k, tmp_path):
    result = subprocess.run([sys.executable, "-m", "zerodl", "book", "run",
                             str(fresh_book / "ch03/neuralnet_mnist.py"), "--dataset",
                             str(mnist10k)], cwd=tmp_path, capture_output=True, text=True,
                            timeout=300)
    assert (result.returncode, result.stdout, result.stderr) == (0, "Accuracy:0.9352\n", "")
