"""`zerodl book run`: a script's own errors end as Python would end them; zerodl's users' mistakes
(a missing script, a wrong dataset, a file that is not a weight pickle) with one line and 2."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import textwrap

import pytest


def book_run(*args, cwd) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONWARNINGS": "default"}
    return subprocess.run([sys.executable, "-m", "zerodl", "book", "run", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd, env=env, timeout=300)


def one_line(result) -> str:
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture
def scripts(tmp_path):
    """Scripts in a folder of their own, run from another folder."""
    folder = tmp_path / "scripts"
    folder.mkdir()
    for name, text in {
        "args.py": "import sys\nprint(sys.argv[1:])\n",
        "fails.py": "def inner():\n    raise KeyError('deep')\n\ninner()\n",
        "exits.py": "import sys\nsys.exit(sys.argv[1] if sys.argv[1:] else 4)\n",
        "loads.py": "import pickle\nwith open('evil.pkl', 'rb') as f:\n    pickle.load(f)\n",
    }.items():
        (folder / name).write_text(textwrap.dedent(text))
    (folder / "evil.pkl").write_bytes(pickle.dumps({"W1": print}))
    (tmp_path / "cwd").mkdir()
    return folder


def test_arguments_reach_the_script_also_after_double_dash(scripts):
    result = book_run(scripts / "args.py", "a", "--", "--epochs", "3", cwd=scripts.parent / "cwd")
    assert (result.returncode, result.stdout) == (0, "['a', '--epochs', '3']\n")


def test_a_scripts_own_error_prints_its_traceback_from_the_script_on(scripts):
    result = book_run(scripts / "fails.py", cwd=scripts.parent / "cwd")
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1 and lines[0] == "Traceback (most recent call last):"
    assert str(scripts / "fails.py") in lines[1] and "zerodl" not in result.stderr
    assert lines[-1] == "KeyError: 'deep'"


@pytest.mark.parametrize("args, code, stderr", [([], 4, ""), (["stop here"], 1, "stop here\n")])
def test_sys_exit_ends_the_command_as_it_ends_python(scripts, args, code, stderr):
    result = book_run(scripts / "exits.py", *args, cwd=scripts.parent / "cwd")
    assert (result.returncode, result.stderr) == (code, stderr)


def test_a_pickle_that_is_not_a_dict_of_arrays_is_one_line(scripts):
    line = one_line(book_run(scripts / "loads.py", cwd=scripts.parent / "cwd"))
    assert line.startswith("zerodl: evil.pkl: not a weight pickle")


@pytest.mark.parametrize("args, fragment", [
    (["missing.py"], "missing.py: no such file"),
    (["args.py", "--dataset", "no/such/folder"], "no/such/folder: no such folder"),
    (["args.py", "--dataset", "cifar"], "unknown dataset 'cifar'"),
    (["args.py", "--conventions", "torch"], "--conventions: invalid choice: 'torch'"),
    (["args.py", "--figures", "args.py"], "is a file, not a folder"),
])
def test_mistakes_are_named_before_the_script_starts(scripts, args, fragment):
    assert fragment in one_line(book_run(*args, cwd=scripts))


def test_book_without_a_command_says_so():
    result = subprocess.run([sys.executable, "-m", "zerodl", "book"], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 2 and "required: COMMAND" in result.stderr
