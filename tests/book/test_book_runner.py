"""zerodl.book: a script runs as `python SCRIPT.py` would in its folder, its `common.*` and
`dataset.mnist` are zerodl's, its pickles are read as data and its figures are saved."""

from __future__ import annotations

import ast
import importlib
import os
import pickle
import sys
import textwrap
from pathlib import Path

import matplotlib
import numpy as np
import pytest
from PIL import Image

from zerodl import layers
from zerodl.book import CONVENTIONS, SERVED, Settings, run_script
from zerodl.book.hook import serving_book_modules
from zerodl.book.settings import using
from zerodl.errors import ModelFileError


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def printed(capsys) -> list[str]:
    return capsys.readouterr().out.split()


def test_a_script_runs_in_its_folder_as_main_and_everything_is_put_back(tmp_path, capsys):
    script = write(tmp_path / "ch01" / "where.py", """
        import os, sys
        import helper
        print(__name__, os.getcwd(), sys.argv[1:], sys.path[0], helper.NAME)
        sys.path.append(os.pardir)
    """)
    write(tmp_path / "ch01" / "helper.py", "NAME = 'one'\n")
    cwd, argv, path = os.getcwd(), list(sys.argv), list(sys.path)
    run_script(script, ["a", "--b"])
    assert printed(capsys) == ["__main__", str(script.parent), "['a',", "'--b']",
                               str(script.parent), "one"]
    assert (os.getcwd(), sys.argv, sys.path) == (cwd, argv, path)
    assert "helper" not in sys.modules
    # another folder's helper is its own (the book has a two_layer_net in ch04 and in ch05)
    write(tmp_path / "ch02" / "helper.py", "NAME = 'two'\n")
    other = write(tmp_path / "ch02" / "where.py", "import helper\nprint(helper.NAME)\n")
    run_script(other)
    assert printed(capsys) == ["two"]


def test_what_the_script_raises_comes_out_after_the_restore(tmp_path):
    script = write(tmp_path / "fail.py", "import sys\nsys.path.append('x')\nsys.exit(3)\n")
    path = list(sys.path)
    with pytest.raises(SystemExit) as e:
        run_script(script)
    assert e.value.code == 3 and sys.path == path
    with pytest.raises(ZeroDivisionError):
        run_script(write(tmp_path / "zero.py", "1 / 0\n"))


def test_common_and_dataset_are_zerodls_even_with_the_books_folders_beside(tmp_path, capsys):
    for package in ("common", "dataset"):
        write(tmp_path / package / "__init__.py", "raise RuntimeError('the book file ran')\n")
    script = write(tmp_path / "ch05" / "imports.py", """
        import sys, os
        sys.path.append(os.pardir)
        import common.layers, zerodl.layers
        from common.optimizer import *
        from common.layers import Dropout, softmax, im2col
        from dataset.mnist import load_mnist
        print(common.layers.Affine is zerodl.layers.Affine, np.__name__,
              isinstance(Dropout(), zerodl.layers.Dropout), softmax.__module__)
    """)
    run_script(script)
    assert printed(capsys) == ["True", "numpy", "True", "zerodl.functions"]
    assert not any(name.partition(".")[0] in ("common", "dataset") for name in sys.modules)


def public_names(source: Path) -> set[str]:
    """The functions and classes a module of the book defines for its users."""
    tree = ast.parse(source.read_text(encoding="utf-8"))
    return {node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.ClassDef))
            and not node.name.startswith("_")}


# the book's dataset/mnist.py also downloads and converts (init_mnist): zerodl.datasets does that
NOT_SERVED = {"dataset.mnist": {"download_mnist", "init_mnist"}}


@pytest.mark.parametrize("name", [n for n in SERVED if "." in n])
def test_every_function_and_class_of_the_books_modules_is_served(name, book_repo):
    book_names = public_names(book_repo / (name.replace(".", "/") + ".py"))
    with serving_book_modules():
        module = importlib.import_module(name)
        missing = book_names - set(dir(module)) - NOT_SERVED.get(name, set())
    assert not missing, f"{name} lacks {sorted(missing)}"


def test_pickle_load_reads_dicts_of_arrays_and_runs_nothing(tmp_path, capsys):
    (tmp_path / "w.pkl").write_bytes(pickle.dumps({"W1": np.arange(6.0).reshape(2, 3)}))

    class Exploit:
        def __reduce__(self):
            return os.system, (f"touch {tmp_path / 'ran'}",)

    (tmp_path / "evil.pkl").write_bytes(pickle.dumps({"W1": Exploit()}))
    script = write(tmp_path / "load.py", """
        import pickle
        with open("w.pkl", "rb") as f:
            w = pickle.load(f)
        w["W1"][0, 0] = 10.0  # the book's half_float_network writes into what it loaded
        again = pickle.loads(pickle.dumps(w))
        print(type(w).__name__, w["W1"].shape, w["W1"].sum(), again["W1"][0, 0])
        with open("evil.pkl", "rb") as f:
            pickle.load(f)
    """)
    load, loads = pickle.load, pickle.loads
    with pytest.raises(ModelFileError, match=r"evil\.pkl: not a weight pickle"):
        run_script(script)
    assert not (tmp_path / "ran").exists()
    assert printed(capsys) == ["dict", "(2,", "3)", "25.0", "10.0"]
    assert (pickle.load, pickle.loads) == (load, loads)


def test_every_figure_shown_is_saved_once_and_the_backend_is_put_back(tmp_path):
    script = write(tmp_path / "plots.py", """
        import matplotlib.pyplot as plt
        import numpy as np
        from PIL import Image
        plt.plot([1, 2]); plt.figure(); plt.plot([2, 1])
        plt.show()
        figure = plt.figure()
        figure.show()
        plt.show()
        plt.show()
        Image.fromarray(np.full((4, 4), 200, dtype=np.uint8)).show()
    """)
    backend, show = matplotlib.get_backend(), Image.Image.show
    saved = run_script(script, figures=tmp_path / "figures")
    assert [p.name for p in saved] == [f"plots-{i}.png" for i in (1, 2, 3, 4)]
    assert sorted(p.name for p in (tmp_path / "figures").iterdir()) == [p.name for p in saved]
    assert Image.open(saved[0]).size == (640, 480) and Image.open(saved[3]).size == (4, 4)
    assert (matplotlib.get_backend(), Image.Image.show) == (backend, show)


def test_load_mnist_gives_the_types_of_the_books_loader(mnist10k):
    from zerodl.book.dataset.mnist import load_mnist

    with using(Settings(dataset=str(mnist10k))):
        (x, t), (x_test, _) = load_mnist()
        (x4, hot), _ = load_mnist(normalize=False, flatten=False, one_hot_label=True)
    assert (x.shape, x.dtype, t.dtype, x_test.shape) == ((10000, 784), np.float32, np.uint8,
                                                         (10000, 784))
    assert (x4.shape, x4.dtype, hot.shape, hot.dtype) == ((10000, 1, 28, 28), np.uint8,
                                                          (10000, 10), np.float64)
    np.testing.assert_array_equal(hot.argmax(axis=1), t)
    np.testing.assert_array_equal(x4.reshape(10000, -1) / np.float32(255.0), x)


@pytest.mark.parametrize("name, dtype, scale, eps, start", [
    ("book", np.float64, "book", 1e-6, 0.0), ("zerodl", np.float32, "inverted", 1e-5, 1.0)])
def test_the_served_networks_and_layers_follow_the_conventions(name, dtype, scale, eps, start):
    from zerodl.book.common.layers import BatchNormalization, Dropout
    from zerodl.book.common.multi_layer_net import MultiLayerNet
    from zerodl.book.common.multi_layer_net_extend import MultiLayerNetExtend

    with using(Settings(CONVENTIONS[name])):
        net = MultiLayerNetExtend(784, [10], 10, use_dropout=True, use_batchnorm=True)
        plain = MultiLayerNet(784, [10], 10)
        dropout, bn = Dropout(0.3), BatchNormalization(np.ones(3), np.zeros(3))
    assert net.dtype == plain.dtype == dtype and isinstance(net.layers["Dropout1"], layers.Dropout)
    assert net.layers["Dropout1"].scale == dropout.scale == scale
    assert net.layers["BatchNorm1"].eps == bn.eps == eps
    assert bn.running_var.tolist() == [start] * 3 and net.layers["BatchNorm1"].running_var[0] == start


def test_a_script_that_seeds_numpy_repeats_its_networks_and_trainings(capsys):
    from zerodl.book.common.multi_layer_net_extend import MultiLayerNetExtend
    from zerodl.book.common.trainer import Trainer

    def run():
        np.random.seed(4)  # noqa: NPY002 - the generator that the book's scripts seed
        net = MultiLayerNetExtend(6, [5], 3, use_dropout=True)
        x = np.random.rand(40, 6)  # noqa: NPY002
        trainer = Trainer(net, x, np.arange(40) % 3, x, np.arange(40) % 3, epochs=2,
                          mini_batch_size=10, verbose=False)
        trainer.train()
        return net.params["W1"].copy(), trainer.train_loss_list

    (w, losses), (w_again, losses_again) = run(), run()
    np.testing.assert_array_equal(w, w_again)
    assert losses == losses_again and not capsys.readouterr().out


class BookStyleNet:
    """A network with the book's interface alone (params, gradient, loss, accuracy), as the
    book's own networks are: a softmax regression from numpy."""

    def __init__(self):
        self.params = {"W": np.zeros((4, 2))}

    def _probabilities(self, x):
        e = np.exp(x @ self.params["W"])
        return e / e.sum(axis=1, keepdims=True)

    def loss(self, x, t):
        return -np.mean(np.log(self._probabilities(x)[np.arange(len(t)), t]))

    def gradient(self, x, t):
        d = self._probabilities(x)
        d[np.arange(len(t)), t] -= 1
        return {"W": x.T @ d / len(t)}

    def accuracy(self, x, t):
        return np.mean(self._probabilities(x).argmax(axis=1) == t)


def test_the_books_trainer_trains_its_networks_and_prints_its_lines(capsys):
    from zerodl.book.common.trainer import Trainer

    rng = np.random.default_rng(0)
    x = rng.standard_normal((60, 4))
    t = (x[:, 0] > 0).astype(np.uint8)
    net = BookStyleNet()
    trainer = Trainer(net, x, t, x, t, epochs=3, mini_batch_size=20, optimizer="sgd",
                      optimizer_param={"lr": 1.0})
    trainer.train()
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 * 3 + 3 + 2 and net.params["W"][0, 1] > 0
    assert lines[:3] == [f"train loss:{loss}" for loss in trainer.train_loss_list[:3]]
    assert lines[3] == (f"=== epoch:1, train acc:{trainer.train_acc_list[0]},"
                        f" test acc:{trainer.test_acc_list[0]} ===")
    assert lines[-2:] == ["=============== Final Test Accuracy ===============",
                          f"test acc:{trainer.final_test_acc}"]
    assert trainer.final_test_acc > 0.9
