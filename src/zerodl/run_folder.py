"""A training run's folder: what a run leaves behind, and reads back when it resumes.

    checkpoint.safetensors  the network, the optimizer's slots, the position and the history,
                            rewritten atomically after every epoch (and at Ctrl-C)
    model.safetensors       the trained network, at the end
    metrics.csv, loss.csv   one row per epoch, one row per step
    curves.png              the loss and accuracy curves, at the end

The Trainer decides what its state is; this class decides where and how it is kept, and checks
what it reads back: a checkpoint is a file like any other, and may have been damaged or made by
someone else.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np

from zerodl.atomic import atomic_write_bytes
from zerodl.errors import ModelFileError
from zerodl.io import CHECKPOINT_FORMAT, model_metadata, read_tensors, save_model, write_tensors
from zerodl.plotting import plot_learning_curves

CHECKPOINT_NAME = "checkpoint.safetensors"
MODEL_NAME = "model.safetensors"
# what the trainer's state in a checkpoint holds, each key with the type it must have
STATE_KEYS = {"epoch": int, "step": int, "epochs": int, "batch_size": int, "seed": (int, type(None)),
              "rng": dict, "network_rng": (dict, type(None)), "optimizer": dict, "train_acc": list,
              "test_acc": list, "val_acc": list, "epoch_seconds": list}
OPTIMIZER_KEYS = {"name": str, "hyper": dict, "iter": int, "slots": list}
MAX_STATE_BYTES = 1 << 22  # a run of thousands of epochs writes a few hundred KB


class RunFolder:
    """The files of one run in `path`; `metadata` (the dataset, its classes...) goes into every
    model file and checkpoint written there."""

    def __init__(self, path, metadata: dict | None = None) -> None:
        self.path = Path(path)
        self.metadata = metadata or {}

    @property
    def checkpoint_path(self) -> Path:
        return self.path / CHECKPOINT_NAME

    def save_checkpoint(self, network, tensors: dict[str, np.ndarray], state: dict) -> None:
        """The network's own description and `tensors` (model/..., optimizer/..., ...) with the
        trainer's `state` (JSON), atomically."""
        meta = model_metadata(network, CHECKPOINT_FORMAT, **self.metadata)
        meta["trainer"] = json.dumps(state)
        write_tensors(self.checkpoint_path, tensors, meta)

    def save_model(self, network) -> None:
        save_model(network, self.path / MODEL_NAME, **self.metadata)

    def write_history(self, history: dict, curves: bool = True) -> None:
        """metrics.csv (one row per epoch), loss.csv (one row per step), and curves.png."""
        per_epoch = history["iter_per_epoch"]
        rows = io.StringIO()
        writer = csv.writer(rows)
        writer.writerow(["epoch", "mean_loss", "train_acc", "test_acc", "val_acc", "seconds"])
        for e, (train, test) in enumerate(zip(history["train_acc"], history["test_acc"],
                                              strict=True)):
            losses = history["train_loss"][e * per_epoch:(e + 1) * per_epoch]
            val = history["val_acc"][e] if e < len(history["val_acc"]) else ""
            writer.writerow([e + 1, f"{np.mean(losses):.6f}", train, test, val,
                             f"{history['epoch_seconds'][e]:.3f}"])
        atomic_write_bytes(self.path / "metrics.csv", rows.getvalue().encode())
        losses = "iteration,loss\n" + "".join(
            f"{i + 1},{loss!r}\n" for i, loss in enumerate(history["train_loss"]))
        atomic_write_bytes(self.path / "loss.csv", losses.encode())
        if curves:
            plot_learning_curves(history, self.path / "curves.png")


def read_checkpoint(path, network) -> tuple[dict[str, np.ndarray], dict, object]:
    """(tensors, trainer state, dataset) of a checkpoint written for `network`'s architecture;
    ModelFileError, in one line, for a file that is not one."""
    tensors, meta = read_tensors(path)
    if meta.get("format") != CHECKPOINT_FORMAT:
        raise ModelFileError(f"{path}: not a zerodl checkpoint")
    config = json.dumps(network.config())
    if meta.get("model") != network.model_name or _json(path, meta, "config") != json.loads(config):
        saved = f"{meta.get('model')} with config {meta.get('config')}"
        raise ModelFileError(f"{path}: checkpoint is for model {saved[:200]}, not"
                             f" {network.model_name} with {config[:200]}")
    if len(meta.get("trainer", "")) > MAX_STATE_BYTES:
        raise ModelFileError(f"{path}: its trainer state is larger than {MAX_STATE_BYTES} bytes")
    state = _json(path, meta, "trainer")
    if not isinstance(state, dict):
        raise ModelFileError(f"{path}: its trainer state is not a JSON object")
    wrong = [key for key, kinds in STATE_KEYS.items() if not isinstance(state.get(key), kinds)]
    optimizer = state.get("optimizer")
    if isinstance(optimizer, dict):
        wrong += [f"optimizer {key}" for key, kinds in OPTIMIZER_KEYS.items()
                  if not isinstance(optimizer.get(key), kinds)]
    if "history/train_loss" not in tensors:
        wrong.append("history/train_loss")
    if wrong:
        raise ModelFileError(f"{path}: its trainer state lacks {', '.join(wrong[:3])}"
                             " (or has them of another type)")
    return tensors, state, _json(path, meta, "dataset")


def _json(path, meta: dict, key: str):
    try:
        return json.loads(meta.get(key, "null"))
    except (ValueError, RecursionError):
        raise ModelFileError(f"{path}: its {key} is not valid JSON") from None
