"""Property-based attacks on the loaders that read untrusted files: IDX, model files, pickles.

Every input must end in the loader's own clear error (DataError / ModelFileError) or a valid
result: never another exception, a hang, or an allocation far beyond the file's size.
"""

import gzip
import json
import struct

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from safetensors.numpy import save as safetensors_bytes

from hostile.corpus import expect, peak_bytes
from zerodl.datasets import read_idx
from zerodl.errors import DataError, ModelFileError
from zerodl.io import read_tensors
from zerodl.nets import TwoLayerNet, load_model

FUZZ = settings(max_examples=300, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])
MiB = 1 << 20


@FUZZ
@given(data=st.binary(max_size=4096), compress=st.booleans())
def test_idx_random_bytes(tmp_path_factory, data, compress):
    path = tmp_path_factory.mktemp("idx") / "f"
    path.write_bytes(gzip.compress(data) if compress else data)
    expect(DataError, lambda: read_idx(path))


@FUZZ
@given(dims=st.lists(st.integers(0, 2**32 - 1), min_size=1, max_size=4),
       type_code=st.sampled_from([0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E]),
       body=st.binary(max_size=512), compress=st.booleans())
def test_idx_huge_declared_dimensions(tmp_path_factory, dims, type_code, body, compress):
    raw = bytes([0, 0, type_code, len(dims)]) + struct.pack(f">{len(dims)}I", *dims) + body
    path = tmp_path_factory.mktemp("idx") / "f"
    path.write_bytes(gzip.compress(raw) if compress else raw)
    assert peak_bytes(lambda: expect(DataError, lambda: read_idx(path))) < 4 * MiB


@FUZZ
@given(n=st.integers(1, 20), cut=st.integers(0, 10_000), compress=st.booleans())
def test_idx_truncated_anywhere(tmp_path_factory, n, cut, compress):
    images = np.arange(n * 28 * 28, dtype=np.uint32).astype(np.uint8).reshape(n, 28, 28)
    raw = bytes([0, 0, 8, 3]) + struct.pack(">3I", n, 28, 28) + images.tobytes()
    raw = raw[:cut % len(raw)]
    path = tmp_path_factory.mktemp("idx") / "f"
    path.write_bytes(gzip.compress(raw) if compress else raw)
    try:
        read_idx(path)
    except DataError:
        return
    raise AssertionError("a truncated file was accepted")


def model_bytes() -> bytes:
    from zerodl.io import model_metadata, state_dict

    net = TwoLayerNet(6, 4, 3, seed=0)
    return safetensors_bytes(dict(state_dict(net)), metadata=model_metadata(net))


VALID = model_bytes()


@FUZZ
@given(data=st.binary(max_size=4096))
def test_model_file_random_bytes(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("m") / "m.safetensors"
    path.write_bytes(data)
    expect(ModelFileError, lambda: load_model(path))


@FUZZ
@given(flips=st.lists(st.tuples(st.integers(0, len(VALID) - 1), st.integers(1, 255)),
                      min_size=1, max_size=8))
def test_model_file_corrupted_bytes(tmp_path_factory, flips):
    data = bytearray(VALID)
    for where, mask in flips:
        data[where] ^= mask
    path = tmp_path_factory.mktemp("m") / "m.safetensors"
    path.write_bytes(bytes(data))
    expect(ModelFileError, lambda: load_model(path))


@FUZZ
@given(input_size=st.integers(-5, 2**40), hidden=st.integers(-5, 2**40),
       output=st.integers(-5, 2**20), std=st.one_of(st.floats(allow_nan=True), st.text(max_size=5)))
def test_model_file_mismatched_or_huge_config(tmp_path_factory, input_size, hidden, output, std):
    tensors, meta = read_tensors_from(VALID)
    meta["config"] = json.dumps({"input_size": input_size, "hidden_size": hidden,
                                 "output_size": output, "weight_init_std": std})
    path = tmp_path_factory.mktemp("m") / "m.safetensors"
    path.write_bytes(safetensors_bytes(tensors, metadata=meta))
    assert peak_bytes(lambda: expect(ModelFileError, lambda: load_model(path))) < 4 * MiB


@FUZZ
@given(key=st.sampled_from(["W1", "b1", "W2", "b2"]),
       value=st.sampled_from([np.nan, np.inf, -np.inf]),
       dtype=st.sampled_from([np.float16, np.float32, np.float64, np.int32, np.uint8]))
def test_model_file_nan_and_wrong_dtype_tensors(tmp_path_factory, key, value, dtype):
    tensors, meta = read_tensors_from(VALID)
    bad = tensors[key].astype(np.float64)
    bad.flat[0] = value if np.issubdtype(dtype, np.floating) else 0
    tensors[key] = bad.astype(dtype)
    path = tmp_path_factory.mktemp("m") / "m.safetensors"
    path.write_bytes(safetensors_bytes(tensors, metadata=meta))
    try:
        load_model(path)
    except ModelFileError:
        return
    raise AssertionError(f"{key} as {np.dtype(dtype)} with {value} was accepted")


def read_tensors_from(data: bytes):
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "v.safetensors"
        path.write_bytes(data)
        return read_tensors(path)


# -- weight pickles: real ones, mutated at the opcode level ---------------------------------------
def _opcode_segments(data: bytes) -> list[bytes]:
    import pickletools
    from itertools import pairwise

    starts = [pos for _, _, pos in pickletools.genops(data)] + [len(data)]
    return [data[a:b] for a, b in pairwise(starts)]


def _small_pickles() -> list[bytes]:
    from hostile.corpus import every_writer

    rng = np.random.default_rng(0)
    arrays = {"W1": rng.standard_normal((3, 4)).astype(np.float32), "b1": np.arange(4.0),
              "F": np.asfortranarray(np.ones((2, 3))), "u": np.arange(5, dtype=np.uint8),
              "e": np.zeros((0, 2), ">f4")}
    # pickletools cannot split Python 2's protocol 0 (STRING arguments it insists are ASCII)
    return [data for name, data in every_writer(arrays).items() if name != "python2-p0"]


SOURCES = [_opcode_segments(d) for d in _small_pickles()]
MUTATION = st.one_of(
    st.tuples(st.just("delete"), st.integers(0, 10**6)),
    st.tuples(st.just("duplicate"), st.integers(0, 10**6)),
    st.tuples(st.just("swap"), st.integers(0, 10**6), st.integers(0, 10**6)),
    st.tuples(st.just("flip"), st.integers(0, 10**6), st.integers(0, 10**6), st.integers(1, 255)),
    st.tuples(st.just("splice"), st.integers(0, 10**6), st.integers(0, len(SOURCES) - 1),
              st.integers(0, 10**6)),
    st.tuples(st.just("truncate"), st.integers(0, 10**6)),
)


def mutate(segments: list[bytes], mutations) -> bytes:
    """Apply opcode-level mutations: drop, repeat, swap or corrupt one opcode (with its argument),
    splice in an opcode of another protocol's pickle, or cut the stream after one."""
    out = list(segments)
    for kind, *args in mutations:
        if not out:
            break
        i = args[0] % len(out)
        if kind == "delete":
            del out[i]
        elif kind == "duplicate":
            out.insert(i, out[i])
        elif kind == "swap":
            j = args[1] % len(out)
            out[i], out[j] = out[j], out[i]
        elif kind == "flip":
            segment = bytearray(out[i])
            segment[args[1] % len(segment)] ^= args[2]
            out[i] = bytes(segment)
        elif kind == "splice":
            other = SOURCES[args[1]]
            out.insert(i, other[args[2] % len(other)])
        else:
            del out[i:]
    return b"".join(out)


@FUZZ
@given(source=st.integers(0, len(SOURCES) - 1), mutations=st.lists(MUTATION, min_size=1, max_size=6))
def test_weight_pickle_mutated_at_the_opcode_level(tmp_path_factory, source, mutations):
    """A mutated pickle is refused with ModelFileError or read as a dict of str to numeric
    arrays; never another exception, and never more memory than a few times its size."""
    from zerodl.book_pickle import NUMERIC, read_book_pickle

    data = mutate(SOURCES[source], mutations)
    path = tmp_path_factory.mktemp("p") / "w.pkl"
    path.write_bytes(data)
    result = []
    peak = peak_bytes(lambda: expect(ModelFileError, lambda: result.append(read_book_pickle(path))))
    assert peak < 4 * len(data) + MiB
    for params in result:
        assert all(isinstance(k, str) for k in params)
        assert all(isinstance(v, np.ndarray) and v.dtype.kind in NUMERIC for v in params.values())


ARRAYS = st.dictionaries(
    st.text(min_size=1, max_size=8),
    st.tuples(st.sampled_from(["<f2", ">f4", "<f8", "|i1", ">i2", "<i4", "<i8", "|u1", ">u8"]),
              st.lists(st.integers(0, 4), max_size=3), st.booleans()),
    min_size=1, max_size=4)


@FUZZ
@given(spec=ARRAYS, protocol=st.integers(0, 5))
def test_any_dict_of_numeric_arrays_round_trips(tmp_path_factory, spec, protocol):
    import pickle

    from zerodl.book_pickle import read_book_pickle

    rng = np.random.default_rng(0)
    arrays = {}
    for key, (dtype, shape, fortran) in spec.items():
        array = rng.integers(0, 100, shape).astype(dtype)
        arrays[key] = np.asfortranarray(array) if fortran else array
    path = tmp_path_factory.mktemp("p") / "w.pkl"
    path.write_bytes(pickle.dumps(arrays, protocol=protocol))
    read = read_book_pickle(path)
    assert list(read) == list(arrays)
    for key, array in arrays.items():
        assert read[key].dtype == array.dtype
        np.testing.assert_array_equal(read[key], array)
