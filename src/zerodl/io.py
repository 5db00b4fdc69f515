"""Model files: weights as safetensors, the architecture as JSON metadata. Never pickle.

This module holds the tensors, the metadata and their checks; rebuilding a network from them
is zerodl.nets' (load_model, Network.load), which builds on what is here.

Loading a file can only ever produce arrays and strings, so a model file cannot run code. Every
tensor is checked against the architecture that the config describes, by name and shape, and
the metadata against a schema: each key has a type, a size limit, and, for the class names, a
length that must agree with the model's outputs. The header's size is checked before it is read.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from safetensors import SafetensorError, safe_open
from safetensors.numpy import save as safetensors_bytes

from zerodl import __version__
from zerodl.atomic import atomic_write_bytes
from zerodl.backend import get_array_module, to_numpy
from zerodl.budget import require_memory
from zerodl.errors import ModelFileError, ZerodlError
from zerodl.init import parameter_budget

MODEL_FORMAT = "zerodl-model"
CHECKPOINT_FORMAT = "zerodl-checkpoint"
FORMAT_VERSION = "1"
FLOAT_DTYPES = (np.float16, np.float32, np.float64)
FRAMINGS = ("digit", "fit")
MAX_HEADER_BYTES = 1 << 20  # a zerodl header (names, shapes, config, classes) is a few KB
MAX_CLASSES = 1000
MAX_CLASS_NAME = 64
MAX_DATASET_NAME = 4096  # a folder's path


def state_dict(model) -> dict[str, np.ndarray]:
    """The arrays that define a model's state: its params, and buffers such as running means."""
    buffers = model.buffers() if hasattr(model, "buffers") else {}
    return {**model.params, **buffers}


def write_tensors(path, tensors: dict[str, np.ndarray], metadata: dict[str, str]) -> None:
    """Write a safetensors file atomically."""
    data = safetensors_bytes({k: np.ascontiguousarray(to_numpy(v)) for k, v in tensors.items()},
                             metadata=metadata)
    atomic_write_bytes(path, data)


def excerpt(text, limit: int = 60) -> str:
    """`text` from a file, fit for a one-line message: quoted, escaped and cut to `limit`."""
    text = str(text)
    return repr(text) if len(text) <= limit else repr(text[:limit]) + f"... ({len(text)} characters)"


def _check_header(path: Path) -> None:
    """A safetensors file starts with the size of its JSON header: check it, and the tensors'
    bytes against the memory left, before the library reads either."""
    size = path.stat().st_size
    with open(path, "rb") as f:
        prefix = f.read(8)
    declared = int.from_bytes(prefix, "little")
    if len(prefix) < 8 or declared > size - 8:
        raise ModelFileError(f"{path}: not a zerodl model file (a header of {declared} bytes"
                             f" declared in a file of {size})")
    if declared > MAX_HEADER_BYTES:
        raise ModelFileError(f"{path}: a header of {declared} bytes, more than a model file's"
                             f" {MAX_HEADER_BYTES}")
    require_memory(size - 8 - declared, f"{path}: its tensors", ModelFileError)


def read_tensors(path) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """All tensors and the metadata of a safetensors file, with a ModelFileError for any problem."""
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"{path}: no such file")
    _check_header(path)
    try:
        with safe_open(str(path), framework="np") as f:
            metadata = f.metadata() or {}
            tensors = {key: f.get_tensor(key) for key in f.keys()}
    except (SafetensorError, OSError, ValueError, TypeError) as e:
        raise ModelFileError(f"{path}: not a zerodl model file ({e})") from None
    return tensors, metadata


def model_metadata(model, fmt: str = MODEL_FORMAT, **extra) -> dict[str, str]:
    """The string metadata that lets load_model rebuild the architecture."""
    meta = {"format": fmt, "format_version": "1", "zerodl_version": __version__,
            "model": model.model_name, "config": json.dumps(model.config())}
    meta.update({k: json.dumps(v) for k, v in extra.items()})
    return meta


def save_model(model, path, **extra) -> None:
    """Save weights and config; extra keyword values (JSON-serialisable) are stored as metadata."""
    write_tensors(path, state_dict(model), model_metadata(model, **extra))


def _parse_json(path, meta: dict[str, str], key: str):
    try:
        return json.loads(meta[key])
    except KeyError:
        raise ModelFileError(f"{path}: not a zerodl model file: no '{key}' in its metadata") from None
    except RecursionError:
        raise ModelFileError(f"{path}: metadata {excerpt(key)} is nested too deeply") from None
    except ValueError as e:  # JSONDecodeError, and integers of more digits than Python parses
        raise ModelFileError(f"{path}: metadata {excerpt(key)} is not valid JSON ({e})") from None


def _names(names: list[str], most: int = 5) -> str:
    shown = ", ".join(n if n.isprintable() and len(n) <= 40 else excerpt(n, 40) for n in names[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")


def check_names(expected, found, path, model_name: str) -> None:
    """Raise ModelFileError naming the tensors that are missing from `found` or not expected."""
    missing = [k for k in expected if k not in found]
    if missing:
        raise ModelFileError(f"{path}: missing tensor(s) {_names(missing)} for {model_name}")
    extra = [k for k in found if k not in expected]
    if extra:
        raise ModelFileError(f"{path}: unexpected tensor(s) {_names(extra)} for {model_name}")


def check_state(model, tensors: dict[str, np.ndarray], path) -> None:
    """Raise ModelFileError naming the first tensor that is missing, extra, misshapen or not finite."""
    expected = state_dict(model)
    check_names(expected, tensors, path, model.model_name)
    for key, array in tensors.items():
        if array.shape != expected[key].shape:
            raise ModelFileError(
                f"{path}: tensor {key} has shape {array.shape}, the model's config needs"
                f" {expected[key].shape}"
            )
        if array.dtype not in FLOAT_DTYPES:
            raise ModelFileError(f"{path}: tensor {key} has dtype {array.dtype}, expected a float type")
        if not np.all(np.isfinite(array)):
            raise ModelFileError(f"{path}: tensor {key} holds NaN or infinite values")


def load_state(model, tensors: dict[str, np.ndarray]) -> None:
    """Copy arrays into the model's own arrays in place (the layers share them)."""
    for key, target in state_dict(model).items():
        target[...] = get_array_module(target).asarray(tensors[key])


def load_weights_into(model, path) -> None:
    """Load a model file's weights into an existing network of the same architecture."""
    tensors, _ = read_tensors(path)
    check_state(model, tensors, path)
    load_state(model, tensors)


def build_within_budget(path, tensors: dict[str, np.ndarray], problem: str, build):
    """build() a network for `tensors`, refusing one that would allocate much more than they hold.

    The budget is twice the tensors' elements (buffers such as running averages are created
    beside their parameters): a file of a few numbers cannot ask for gigabytes of weights. The
    initial weights are overwritten by the file's, so an absurd init scale may overflow silently.
    `problem` begins the message when the file's numbers do not describe a network.
    """
    budget = 2 * sum(v.size for v in tensors.values()) + 4096
    try:
        with parameter_budget(budget), np.errstate(over="ignore"):
            return build()
    except ZerodlError as e:  # the budgets', or the network's own check of its arrays
        raise ModelFileError(f"{path}: {e}") from None
    except (TypeError, ValueError, KeyError, IndexError, MemoryError, OverflowError,
            ZeroDivisionError) as e:
        raise ModelFileError(f"{path}: {problem} ({str(e)[:200]})") from None


def _check_dataset(value, model) -> str | None:
    if not isinstance(value, str) or not value.isprintable() or len(value) > MAX_DATASET_NAME:
        return f"a printable text of at most {MAX_DATASET_NAME} characters"
    return None


def _check_classes(value, model) -> str | None:
    if not isinstance(value, list) or len(value) != model.output_size or len(value) > MAX_CLASSES:
        return (f"a list of {model.output_size} names, one per output of the model (at most"
                f" {MAX_CLASSES})")
    if not all(isinstance(c, str) and c.isprintable() and 0 < len(c) <= MAX_CLASS_NAME
               for c in value):
        return f"printable names of 1 to {MAX_CLASS_NAME} characters"
    return None


def _check_framing(value, model) -> str | None:
    return None if value in FRAMINGS else " or ".join(map(repr, FRAMINGS))


# The metadata that zerodl itself reads back: each value's check returns what it must be, or None.
METADATA_SCHEMA = {"dataset": _check_dataset, "classes": _check_classes, "framing": _check_framing}
RESERVED_METADATA = ("format", "format_version", "zerodl_version", "model", "config", "trainer")


def check_metadata(path, meta: dict[str, str], model) -> dict:
    """The extra metadata of a model file (dataset, classes, framing, and a user's own keys),
    parsed, and checked against METADATA_SCHEMA for `model`; ModelFileError names the first
    value that does not fit."""
    extra = {k: _parse_json(path, meta, k) for k in meta if k not in RESERVED_METADATA}
    for key, check in METADATA_SCHEMA.items():
        if key in extra and (needed := check(extra[key], model)):
            value = extra[key]
            found = (f"a list of {len(value)}" if isinstance(value, list) else
                     excerpt(value) if isinstance(value, str) else f"a {type(value).__name__}")
            raise ModelFileError(f"{path}: metadata '{key}' is {found}, and must be {needed}")
    return extra


def read_model_file(path) -> tuple[str, dict, np.dtype, dict, dict]:
    """(model name, config, dtype, tensors, metadata) of a model file (or of the model part of a
    checkpoint), each checked: the format and its version, a config that is a JSON object, one
    float dtype. Which names are networks is for zerodl.nets to say."""
    tensors, meta = read_tensors(path)
    fmt = meta.get("format")
    if fmt == CHECKPOINT_FORMAT:
        tensors = {k.removeprefix("model/"): v for k, v in tensors.items() if k.startswith("model/")}
    elif fmt != MODEL_FORMAT:
        raise ModelFileError(f"{path}: not a zerodl model file (format {excerpt(fmt)})")
    if meta.get("format_version") != FORMAT_VERSION:
        raise ModelFileError(f"{path}: format version {excerpt(meta.get('format_version'))}; this"
                             f" zerodl reads version {FORMAT_VERSION}")
    name = meta.get("model")
    config = _parse_json(path, meta, "config")
    if not isinstance(config, dict):
        raise ModelFileError(f"{path}: config must be a JSON object")
    dtypes = {v.dtype for v in tensors.values()}
    dtype = dtypes.pop() if len(dtypes) == 1 else np.float32
    if dtype not in FLOAT_DTYPES:
        raise ModelFileError(f"{path}: tensors have dtype {dtype}, expected a float type")
    return name, config, np.dtype(dtype), tensors, meta


def fill_model(model, path, tensors: dict[str, np.ndarray], meta: dict[str, str]):
    """Give a network rebuilt from a file the file's weights and its checked metadata (`meta`)."""
    check_state(model, tensors, path)
    load_state(model, tensors)
    model.meta = check_metadata(path, meta, model)
    return model
