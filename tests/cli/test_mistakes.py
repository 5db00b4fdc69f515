"""Every mistake a new user makes ends with exit status 2 and one line: no traceback, no warning."""

import os
import subprocess
import sys

import pytest

BOOK = "book/sample_weight.pkl"


def zerodl(*args, cwd=None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONWARNINGS": "default"}  # a warning would show up on stderr
    return subprocess.run([sys.executable, "-m", "zerodl", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd, env=env, timeout=300)


def one_line_error(result, *fragments) -> str:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr and "Warning" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


@pytest.fixture(scope="module")
def model(tmp_path_factory, data_dir):
    """A small trained model file (the book's three-layer weights, imported)."""
    path = tmp_path_factory.mktemp("model") / "book.safetensors"
    assert zerodl("import-book", data_dir.resolve().parent / BOOK, "--model", "three-layer",
                  "--out", path).returncode == 0
    return path


@pytest.mark.parametrize("args, fragments", [
    (["train", "--lr", "inf"], ["--lr", "finite", "inf"]),
    (["train", "--lr", "-0.1"], ["--lr", "> 0", "-0.1"]),
    (["train", "--epochs", "0"], ["--epochs", "at least 1", "0"]),
    (["train", "--batch-size", "ten"], ["--batch-size", "'ten'"]),
    (["train", "--val-split", "1"], ["--val-split", "[0, 1)"]),
    (["train", "--dropout", "1.5"], ["--dropout", "1.5"]),
    (["train", "--hidden", "50,x"], ["--hidden", "50,x"]),
    (["train", "--init", "gauss"], ["--init", "gauss"]),
    (["train", "--data-dir", "/no/such/folder"], ["--data-dir", "/no/such/folder"]),
    (["data", "--data-dir", "/no/such/folder"], ["/no/such/folder"]),
    (["data", "foo"], ["unknown dataset 'foo'"]),
    (["data", "download", "cifar"], ["unknown dataset 'cifar'"]),
    (["search", "--storage", "foo://bar"], ["--storage", "foo://bar", "not a database URL"]),
    (["search", "--workers", "0"], ["--workers"]),
    (["search", "--storage", "sqlite:////no/such/dir/x.db", "--trials", "1"],
     ["sqlite:////no/such/dir/x.db: cannot open the database"]),
    (["eval", "missing.safetensors"], ["missing.safetensors: no such file"]),
    (["train", "--resume"], ["--resume needs --out"]),
    (["slides", "upgrade", "missing.md", "-o", "new.md"], ["missing.md: no such file"]),
])
def test_bad_values_are_named(args, fragments, tmp_path):
    one_line_error(zerodl(*args, cwd=tmp_path), *fragments)


def test_bad_output_paths_are_refused_before_any_work(tmp_path, model, data_dir):
    a_file = tmp_path / "notes.txt"
    a_file.write_text("mine")
    cases = [
        (["train", "--out", a_file], [str(a_file), "is a file, not a folder"]),
        (["train", "--out", tmp_path / "missing" / "run"], ["does not exist"]),
        (["train", "--out", "/proc/zerodl-run"], ["/proc cannot be written"]),
        (["export", model, "--onnx", a_file / "model.onnx"], [str(a_file), "is a file"]),
        (["import-book", data_dir.resolve().parent / BOOK, "--model", "three-layer",
          "--out", tmp_path / "missing" / "dir" / "x.safetensors"], ["does not exist"]),
        (["figures", "--out", a_file], ["is a file"]),
        (["bench", "--json", tmp_path], ["is a folder, not a file"]),
    ]
    for args, fragments in cases:
        one_line_error(zerodl(*args, cwd=tmp_path), *fragments)
    assert a_file.read_text() == "mine" and not (tmp_path / "missing").exists()


def test_options_that_do_not_shape_the_chosen_model_are_refused(mnist10k, tmp_path):
    for args, fragment in ((["--model", "simple-conv", "--hidden", "50"], "--hidden applies to"),
                           (["--model", "two-layer", "--batchnorm"], "--batchnorm applies to"),
                           (["--model", "two-layer", "--hidden", "50,50"], "one hidden layer")):
        one_line_error(zerodl("train", "--dataset", mnist10k.resolve(), "--out", tmp_path / "run", *args),
                       fragment)


def test_a_network_too_large_for_memory_is_refused(mnist10k, tmp_path):
    line = one_line_error(zerodl("train", "--dataset", mnist10k.resolve(), "--hidden", "999999999999",
                                 "--out", tmp_path / "run"), "(784, 999999999999)", "memory")
    assert "MiB" in line


def test_help_shows_defaults_and_examples():
    out = zerodl("train", "--help").stdout
    assert "(default: 10)" in out and "(default: 100)" in out  # --epochs, --batch-size
    assert "examples:" in out and "zerodl train --model simple-conv" in out
    assert "0.1 for sgd" in out and "0.001 for adam" in out
