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
