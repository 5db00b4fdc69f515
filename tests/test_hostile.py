"""Every hostile file of tests/hostile/corpus.py, fed to the command line in a fresh process: each
ends with exit 2 and one line naming the problem, never a signal or a traceback, within seconds
and a few hundred MB. A real weight pickle in the oldest protocol still imports."""

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from hostile.corpus import (
    CASES,
    check,
    isolated_env,
    python2_pickle,
    run_case,
    run_zerodl,
)

PEAK_MIB = 400  # zerodl itself takes about 45 MiB
SECONDS = 30


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    """Each case run once, two at a time (the cases are independent processes)."""
    root = tmp_path_factory.mktemp("hostile")

    def run(c):
        (root / c.name).mkdir()
        return c.name, run_case(c, root / c.name)

    with ThreadPoolExecutor(max(2, min(4, os.cpu_count() or 1))) as pool:
        return dict(pool.map(run, CASES)), root


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_file_ends_in_exit_2_and_one_line(outcomes, case):
    results, _ = outcomes
    outcome = results[case.name]
    assert check(case, outcome) == [], outcome.stderr[-2000:]
    assert outcome.peak_mib < PEAK_MIB, f"peak {outcome.peak_mib:.0f} MiB"
    assert outcome.seconds < SECONDS, f"{outcome.seconds:.1f} s"


def test_the_command_in_a_pickle_never_ran(outcomes):
    _, root = outcomes
    assert not (root / "runs_a_command" / "pwned").exists()


def test_the_cases_cover_every_kind_of_file():
    kinds = {c.kind for c in CASES}
    assert kinds == {"pickle", "idx", "image", "model"}
    assert len(CASES) >= 60


def test_book_sample_weights_give_the_books_accuracy_through_an_old_protocol(tmp_path, mnist10k):
    """The book's chapter 3 file, re-pickled as Python 2 would have, imports and evaluates."""
    from zerodl.book_weights import load_book_params

    book = Path(__file__).parents[2] / "shared" / "book" / "sample_weight.pkl"
    (tmp_path / "w.pkl").write_bytes(python2_pickle(load_book_params(book), 0))
    env = isolated_env(tmp_path)
    out = str(tmp_path / "m.safetensors")
    assert run_zerodl(["-q", "import-book", str(tmp_path / "w.pkl"), "--model", "three-layer",
                       "--out", out], env).returncode == 0
    outcome = run_zerodl(["-q", "eval", out, "--dataset", str(mnist10k)], env)
    assert outcome.stdout.startswith("accuracy 0.9352 on 10000 test images"), outcome.stderr
