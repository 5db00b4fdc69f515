"""Model files: weights as safetensors, the architecture as JSON metadata. Never pickle.

Loading a file can only ever produce arrays and strings, so a model file cannot run code. Every
tensor is checked against the architecture that the config describes, by name and shape.
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
from zerodl.errors import ModelFileError
from zerodl.init import parameter_budget

MODEL_FORMAT = "zerodl-model"
CHECKPOINT_FORMAT = "zerodl-checkpoint"
FLOAT_DTYPES = (np.float16, np.float32, np.float64)


def state_dict(model) -> dict[str, np.ndarray]:
    """The arrays that define a model's state: its params, and buffers such as running means."""
    buffers = model.buffers() if hasattr(model, "buffers") else {}
    return {**model.params, **buffers}


def write_tensors(path, tensors: dict[str, np.ndarray], metadata: dict[str, str]) -> None:
    """Write a safetensors file atomically."""
    data = safetensors_bytes({k: np.ascontiguousarray(to_numpy(v)) for k, v in tensors.items()},
                             metadata=metadata)
    atomic_write_bytes(path, data)


def read_tensors(path) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """All tensors and the metadata of a safetensors file, with a ModelFileError for any problem."""
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"{path}: no such file")
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
    except json.JSONDecodeError as e:
        raise ModelFileError(f"{path}: metadata '{key}' is not valid JSON ({e})") from None


def check_names(expected, found, path, model_name: str) -> None:
    """Raise ModelFileError naming the tensors that are missing from `found` or not expected."""
    missing = [k for k in expected if k not in found]
    if missing:
        raise ModelFileError(f"{path}: missing tensor(s) {', '.join(missing)} for {model_name}")
    extra = [k for k in found if k not in expected]
    if extra:
        raise ModelFileError(f"{path}: unexpected tensor(s) {', '.join(extra)} for {model_name}")


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


def convert_dtype(model, dtype):
    """A copy of `model` with its weights (and buffers) cast to `dtype`, e.g. np.float16."""
    from zerodl.nets import build_model

    copy = build_model(model.model_name, model.config(), dtype=np.dtype(dtype))
    load_state(copy, {k: to_numpy(v) for k, v in state_dict(model).items()})
    copy.meta = dict(getattr(model, "meta", {}))
    return copy


def load_weights_into(model, path) -> None:
    """Load a model file's weights into an existing network of the same architecture."""
    tensors, _ = read_tensors(path)
    check_state(model, tensors, path)
    load_state(model, tensors)


def load_model(path):
    """Rebuild a network from a model file (or from the model part of a checkpoint).

    The returned network has a `meta` dict with the extra metadata saved beside it (e.g. dataset).
    """
    from zerodl.nets import build_model

    tensors, meta = read_tensors(path)
    fmt = meta.get("format")
    if fmt == CHECKPOINT_FORMAT:
        tensors = {k.removeprefix("model/"): v for k, v in tensors.items() if k.startswith("model/")}
    elif fmt != MODEL_FORMAT:
        raise ModelFileError(f"{path}: not a zerodl model file (format {fmt!r})")
    name = meta.get("model")
    config = _parse_json(path, meta, "config")
    if not isinstance(config, dict):
        raise ModelFileError(f"{path}: config must be a JSON object")
    dtypes = {v.dtype for v in tensors.values()}
    dtype = dtypes.pop() if len(dtypes) == 1 else np.float32
    if dtype not in FLOAT_DTYPES:
        raise ModelFileError(f"{path}: tensors have dtype {dtype}, expected a float type")
    # a config may not make the model allocate much more than the file holds (twice, for
    # buffers such as running averages that are created beside their parameters); the initial
    # weights are overwritten by the file's, so an absurd init scale may overflow silently
    budget = 2 * sum(v.size for v in tensors.values()) + 4096
    try:
        with parameter_budget(budget), np.errstate(over="ignore"):
            model = build_model(name, config, dtype=dtype)
    except (TypeError, ValueError, KeyError, IndexError, MemoryError, OverflowError) as e:
        raise ModelFileError(f"{path}: config does not describe a valid {name!r} model ({e})") from None
    check_state(model, tensors, path)
    load_state(model, tensors)
    reserved = {"format", "format_version", "zerodl_version", "model", "config", "trainer"}
    model.meta = {k: _parse_json(path, meta, k) for k in meta if k not in reserved}
    return model
