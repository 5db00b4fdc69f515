import os
import pickle

import numpy as np
import pytest

from zerodl.book_weights import import_book_model, load_book_params
from zerodl.errors import ModelFileError
from zerodl.nets import DeepConvNet, SimpleConvNet

BOOK_FILE = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "book", "sample_weight.pkl")


class RunsACommand:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_malicious_pickle_is_refused_and_nothing_runs(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pkl"
    path.write_bytes(pickle.dumps({"W1": RunsACommand(marker)}))
    with pytest.raises(ModelFileError, match=r"asks for (posix|os)\.system"):
        load_book_params(path)
    assert not marker.exists()


@pytest.mark.parametrize("payload", [b"garbage", pickle.dumps([1, 2]), pickle.dumps({"W": 1}),
                                     pickle.dumps({"W": np.array(["a"], dtype=object)})[:-3]])
def test_malformed_pickles_get_clear_errors(tmp_path, payload):
    (tmp_path / "x.pkl").write_bytes(payload)
    with pytest.raises(ModelFileError):
        load_book_params(tmp_path / "x.pkl")


def test_books_chapter_3_file_imports():
    if not os.path.exists(BOOK_FILE):
        pytest.fail(f"{BOOK_FILE} is missing (it is in ../shared/book)")
    net = import_book_model(BOOK_FILE, "three-layer")
    assert net.sizes == [784, 50, 100, 10]


def book_style_file(tmp_path, params) -> str:
    path = tmp_path / "params.pkl"
    path.write_bytes(pickle.dumps({k: v.astype(np.float64) for k, v in params.items()}))
    return str(path)


def test_simple_conv_file_imports_with_same_predictions(tmp_path):
    source = SimpleConvNet(seed=1, dtype=np.float64)
    net = import_book_model(book_style_file(tmp_path, source.params), "simple-conv",
                            dtype=np.float64)
    x = np.random.default_rng(0).random((3, 1, 28, 28))
    np.testing.assert_allclose(net.predict(x), source.predict(x), rtol=1e-12)


def test_deep_conv_import_reproduces_books_dropout_scaling(tmp_path):
    book = DeepConvNet(seed=2, dropout_scale="book", dtype=np.float64)  # the book's Dropout
    net = import_book_model(book_style_file(tmp_path, book.params), "deep-conv", dtype=np.float64)
    assert net.dropout_scale == "inverted"
    x = np.random.default_rng(1).random((3, 1, 28, 28))
    np.testing.assert_allclose(net.predict(x), book.predict(x), rtol=1e-12)


def test_wrong_arrays_for_the_model(tmp_path):
    path = tmp_path / "p.pkl"
    path.write_bytes(pickle.dumps({"W1": np.zeros((2, 2))}))
    with pytest.raises(ModelFileError, match=r"missing tensor\(s\) b1, W2"):
        import_book_model(path, "three-layer")


def test_persistent_references_are_refused(tmp_path):
    import io as _io

    class ExternalRefs(pickle.Pickler):
        def persistent_id(self, obj):
            return "outside" if isinstance(obj, np.ndarray) else None

    buffer = _io.BytesIO()
    ExternalRefs(buffer).dump({"W1": np.zeros(2)})
    (tmp_path / "p.pkl").write_bytes(buffer.getvalue())
    with pytest.raises(ModelFileError, match="persistent references"):
        load_book_params(tmp_path / "p.pkl")


# -- the reader: pickles as data ------------------------------------------------------------------
BOOK = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "book", "deep-learning-from-scratch")
BOOK_FILES = {"three-layer": BOOK_FILE, "simple-conv": os.path.join(BOOK, "ch07", "params.pkl"),
              "deep-conv": os.path.join(BOOK, "ch08", "deep_convnet_params.pkl")}


@pytest.mark.parametrize(("model", "accuracy"), [("three-layer", 0.9352), ("simple-conv", 0.9600),
                                                 ("deep-conv", 0.9797)])
def test_the_books_three_pickles_give_their_numbers(mnist10k, model, accuracy):
    """The book's own code, given the same arrays, predicts the same classes (checked once by
    hand for all 10,000 test images of simple-conv and 1,000 of deep-conv)."""
    from zerodl.datasets import load_mnist

    _, (x, t) = load_mnist(dataset=str(mnist10k), flatten=model == "three-layer")
    net = import_book_model(BOOK_FILES[model], model)
    assert round(net.accuracy(x, t), 4) == accuracy


def test_every_writer_of_a_dict_of_arrays_is_read(tmp_path):
    """NumPy 2 and 1.x, protocols 0-5, both picklers, and Python 2: the same arrays, bit for bit,
    in every dtype and byte order a weight file may have, C or Fortran ordered, empty or not."""
    from hostile.corpus import every_writer
    from zerodl.book_pickle import read_book_pickle

    rng = np.random.default_rng(0)
    arrays = {"f8": rng.standard_normal((3, 4)), "big-endian f4": np.arange(6, dtype=">f4"),
              "f2": np.ones(3, np.float16), "i8": np.arange(-3, 3), "u1": np.arange(5, dtype=np.uint8),
              "fortran": np.asfortranarray(rng.standard_normal((2, 3))), "empty": np.zeros((0, 7)),
              "strided": np.arange(12.0).reshape(3, 4)[:, ::2], "scalar": np.array(2.5),
              "latin1 bytes": np.frombuffer(bytes(range(256)) * 2, np.float64)}
    for name, data in every_writer(arrays).items():
        (tmp_path / "w.pkl").write_bytes(data)
        read = read_book_pickle(tmp_path / "w.pkl")
        assert list(read) == list(arrays), name
        for key, array in arrays.items():
            assert read[key].dtype == array.dtype and read[key].shape == array.shape, (name, key)
            np.testing.assert_array_equal(read[key], array, err_msg=f"{name}: {key}")


@pytest.mark.parametrize("model", list(BOOK_FILES))
def test_the_books_pickles_import_from_every_protocol(tmp_path, model):
    from hostile.corpus import every_writer

    book = load_book_params(BOOK_FILES[model])
    for name, data in every_writer(book).items():
        (tmp_path / "w.pkl").write_bytes(data)
        again = load_book_params(tmp_path / "w.pkl")
        assert all(np.array_equal(again[k], book[k]) for k in book), name


def test_no_global_is_imported_and_no_unpickler_is_used(tmp_path, monkeypatch):
    import sys

    from hostile.corpus import call, global_op, weight_file

    def forbidden(*args, **kwargs):
        raise AssertionError("the reader used pickle's own machinery")

    monkeypatch.setattr(pickle, "Unpickler", forbidden)
    monkeypatch.setattr(pickle, "loads", forbidden)
    monkeypatch.setattr(pickle, "load", forbidden)
    path = tmp_path / "w.pkl"
    path.write_bytes(weight_file({"W1": call(global_op("zerodl_no_such_module", "run"))}))
    with pytest.raises(ModelFileError, match=r"w\.pkl: not a weight pickle: byte 11 \(GLOBAL\):"
                                             r" refused: the pickle asks for zerodl_no_such_module\.run"):
        load_book_params(path)
    assert "zerodl_no_such_module" not in sys.modules
    with open(BOOK_FILE, "rb") as f:
        path.write_bytes(f.read())
    assert set(load_book_params(path)) == {"W1", "b1", "W2", "b2", "W3", "b3"}


def test_a_dtype_is_data_never_numpys_hooks(tmp_path, monkeypatch):
    """The reader makes dtypes from their kind, size and byte order alone; NumPy's pickle hooks
    (dtype.__setstate__, _reconstruct) are never reached, even for a file that names them."""
    import numpy._core.multiarray as multiarray
    import numpy._core.numeric as numeric

    for protocol in (2, 5):
        (tmp_path / f"p{protocol}.pkl").write_bytes(pickle.dumps({"W": np.arange(3.0)}, protocol))
    monkeypatch.setattr(multiarray, "_reconstruct", None)
    monkeypatch.setattr(numeric, "_frombuffer", None)
    for protocol in (2, 5):
        np.testing.assert_array_equal(load_book_params(tmp_path / f"p{protocol}.pkl")["W"],
                                      np.arange(3.0))


def test_arrays_are_views_of_the_file_not_copies(tmp_path):
    from zerodl.book_pickle import read_book_pickle

    (tmp_path / "w.pkl").write_bytes(pickle.dumps({"W": np.zeros(1 << 20)}, protocol=4))
    array = read_book_pickle(tmp_path / "w.pkl")["W"]
    assert not array.flags.owndata and array.base is not None
