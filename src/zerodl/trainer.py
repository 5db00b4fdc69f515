"""The training loop: the book's Trainer interface over a loop that a user can trust.

- Shuffling uses a seeded NumPy Generator: each epoch is one permutation of the training data,
  so the same seed gives the same run, bit for bit.
- With an output directory, a checkpoint (model, optimizer, generators, history, position) is
  written atomically after every epoch, and `resume=True` continues from it exactly.
- Ctrl-C is deferred to the end of the current step, so the checkpoint it writes is consistent.
- A non-finite loss stops the run with DivergenceError; the last good checkpoint is kept.
- Any network with the book's interface trains: params, gradient(x, t), loss(x, t) and
  accuracy(x, t). A zerodl network also has loss_and_gradient, one forward pass for both;
  checkpoints and model files need a zerodl network, which its config can rebuild.
- What is shown while it runs is a Progress: by default one bar and a line per epoch.
"""

from __future__ import annotations

import contextlib
import json
import math
import signal
import threading
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

from zerodl.errors import DivergenceError, ModelFileError, ZerodlError
from zerodl.io import check_state, load_state, state_dict
from zerodl.optimizers import Optimizer, make_optimizer
from zerodl.run_folder import RunFolder, read_checkpoint


class TrainingInterrupted(ZerodlError):
    """Ctrl-C stopped training; a checkpoint of the state at that step was written."""


# what a network needs to be trained, and what checkpoints need besides
BOOK_INTERFACE = ("params", "gradient", "loss", "accuracy")
REBUILDABLE = ("model_name", "config")


class Progress:
    """What a Trainer shows while it runs. This one shows nothing; subclasses override the
    moments they report. Every method gets the Trainer, whose position and history are current."""

    def start(self, trainer: Trainer) -> None:
        """Before the first step (of a resumed run too)."""

    def step(self, trainer: Trainer) -> None:
        """After each step; trainer.train_loss_list[-1] is its loss."""

    def epoch(self, trainer: Trainer) -> None:
        """After each epoch's evaluation; trainer.epoch epochs are done."""

    def close(self) -> None:
        """When the loop ends, however it ends."""

    def finish(self, trainer: Trainer) -> None:
        """After trainer.final_test_acc is measured."""


class ProgressBar(Progress):
    """One tqdm bar for the whole run, so that its estimate is of the time left to the end, and a
    line per epoch (epoch_summary). A bar that is not enabled stays hidden, and so do the lines;
    an enabled one hides itself where stderr is not a terminal."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self.bar: tqdm | None = None

    def start(self, trainer: Trainer) -> None:
        total = trainer.epochs * trainer.iter_per_epoch
        done = min(trainer.epoch * trainer.iter_per_epoch + trainer.step, total)
        self.bar = tqdm(total=total, initial=done, unit="step", leave=False,
                        disable=None if self.enabled else True)
        self._describe(trainer)

    def _describe(self, trainer: Trainer) -> None:
        self.bar.set_description(f"epoch {trainer.epoch + 1}/{trainer.epochs}", refresh=False)

    def step(self, trainer: Trainer) -> None:
        self.bar.update(1)
        if trainer.step % 10 == 0 or trainer.step == trainer.iter_per_epoch:
            self.bar.set_postfix(loss=f"{trainer.train_loss_list[-1]:.4f}", refresh=False)

    def epoch(self, trainer: Trainer) -> None:
        if self.enabled:
            self.bar.write(trainer.epoch_summary())
        if trainer.epoch < trainer.epochs:
            self._describe(trainer)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


class Trainer:
    """Train `network` on (x_train, t_train) for `epochs`, evaluating on test (and val) data."""

    def __init__(self, network, x_train, t_train, x_test, t_test, epochs: int = 20,
                 mini_batch_size: int = 100, optimizer: str | Optimizer = "SGD",
                 optimizer_param: dict | None = None,
                 evaluate_sample_num_per_epoch: int | None = None, verbose: bool = True, *,
                 x_val=None, t_val=None, seed: int | None = 0, out_dir=None,
                 metadata: dict | None = None, progress: Progress | None = None) -> None:
        if len(x_train) != len(t_train):
            raise ValueError(f"{len(x_train)} training samples but {len(t_train)} labels")
        if epochs < 1 or mini_batch_size < 1:
            raise ValueError("epochs and mini_batch_size must be at least 1")
        missing = [name for name in BOOK_INTERFACE if not hasattr(network, name)]
        if missing:
            raise TypeError(f"a {type(network).__name__} cannot be trained: it has no"
                            f" {', '.join(missing)} (a network needs {', '.join(BOOK_INTERFACE)})")
        if out_dir is not None and not all(hasattr(network, name) for name in REBUILDABLE):
            raise TypeError(f"checkpoints (out_dir) need a zerodl network, which its config"
                            f" rebuilds; a {type(network).__name__} has no model_name and config")
        self.network = network
        self.x_train, self.t_train = x_train, t_train
        self.x_test, self.t_test = x_test, t_test
        self.x_val, self.t_val = x_val, t_val
        self.epochs, self.batch_size = epochs, min(mini_batch_size, len(x_train))
        self.optimizer = (optimizer if isinstance(optimizer, Optimizer)
                          else make_optimizer(optimizer, **(optimizer_param or {"lr": 0.01})))
        self.evaluate_sample_num_per_epoch = evaluate_sample_num_per_epoch
        self.verbose = verbose
        self.progress = progress if progress is not None else ProgressBar(enabled=verbose)
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.out_dir = Path(out_dir) if out_dir is not None else None
        self.metadata = metadata or {}
        self.run_folder = RunFolder(out_dir, self.metadata) if out_dir is not None else None
        self.iter_per_epoch = math.ceil(len(x_train) / self.batch_size)
        self.train_loss_list: list[float] = []
        self.train_acc_list: list[float] = []
        self.test_acc_list: list[float] = []
        self.val_acc_list: list[float] = []
        self.epoch_seconds: list[float] = []
        # position: the next epoch and step to run, and the permutation of a started epoch
        self.epoch, self.step, self.perm = 0, 0, None
        self._stop_requested = False

    # -- the loop --------------------------------------------------------------------------------
    def train(self, resume: bool = False) -> dict:
        """Run (or, with resume, continue) training; returns the history as a dict."""
        if resume:
            self.load_checkpoint(self.checkpoint_path)
        else:
            # a checkpoint of the initial state: even a run that diverges at once leaves one
            self.save_checkpoint()
        self.progress.start(self)
        try:
            with self._deferred_interrupt():
                while self.epoch < self.epochs:
                    self._run_epoch()
        finally:
            self.progress.close()
        self.final_test_acc = self.network.accuracy(self.x_test, self.t_test)
        self.progress.finish(self)
        if self.run_folder is not None:
            self.run_folder.save_model(self.network)
            self.run_folder.write_history(self.history())
        return self.history()

    def _run_epoch(self) -> None:
        start = time.perf_counter()
        if self.perm is None:
            self.perm = self.rng.permutation(len(self.x_train))
        while self.step < self.iter_per_epoch:
            self._train_step()
            self.progress.step(self)
            if self._stop_requested:
                self.save_checkpoint()
                raise TrainingInterrupted(
                    f"interrupted at epoch {self.epoch + 1}, iteration {self.step}; checkpoint"
                    f" written to {self.checkpoint_path}" if self.out_dir else
                    f"interrupted at epoch {self.epoch + 1}, iteration {self.step}"
                )
        self.epoch, self.step, self.perm = self.epoch + 1, 0, None
        self._evaluate()
        self.epoch_seconds.append(time.perf_counter() - start)
        self.progress.epoch(self)
        self.save_checkpoint()

    def _train_step(self) -> None:
        batch = self.perm[self.step * self.batch_size:(self.step + 1) * self.batch_size]
        # overflow is reported below as a DivergenceError, not as a stream of NumPy warnings
        with np.errstate(over="ignore", invalid="ignore"):
            loss, grads = self._loss_and_gradient(self.x_train[batch], self.t_train[batch])
        if not math.isfinite(loss):
            where = f"epoch {self.epoch + 1}, iteration {self.step + 1}"
            kept = (f"; the last good checkpoint is {self.checkpoint_path}"
                    if self.out_dir is not None and self.checkpoint_path.exists() else "")
            raise DivergenceError(
                f"loss became {loss} at {where}: training diverged (try a smaller learning rate){kept}"
            )
        self.optimizer.update(self.network.params, grads)
        self.train_loss_list.append(loss)
        self.step += 1

    def _loss_and_gradient(self, x, t) -> tuple[float, dict]:
        if hasattr(self.network, "loss_and_gradient"):
            return self.network.loss_and_gradient(x, t)
        # the book's interface alone: the gradient, then the loss of the same batch, before the
        # update (as loss_and_gradient reports it)
        grads = self.network.gradient(x, t)
        return float(self.network.loss(x, t)), grads

    def _evaluate(self) -> None:
        n = self.evaluate_sample_num_per_epoch
        x_tr, t_tr, x_te, t_te = self.x_train, self.t_train, self.x_test, self.t_test
        if n is not None:
            x_tr, t_tr, x_te, t_te = x_tr[:n], t_tr[:n], x_te[:n], t_te[:n]
        self.train_acc_list.append(self.network.accuracy(x_tr, t_tr))
        self.test_acc_list.append(self.network.accuracy(x_te, t_te))
        if self.x_val is not None:
            self.val_acc_list.append(self.network.accuracy(self.x_val, self.t_val))

    def request_stop(self) -> None:
        """Stop after the step in progress, from any thread: with out_dir a checkpoint of that
        step is written, and train() raises TrainingInterrupted (Ctrl-C asks the same)."""
        self._stop_requested = True

    def epoch_summary(self) -> str:
        e = self.epoch - 1
        losses = self.train_loss_list[-self.iter_per_epoch:]
        text = (f"epoch {self.epoch}/{self.epochs}  loss {np.mean(losses):.4f}"
                f"  train acc {self.train_acc_list[e]:.4f}  test acc {self.test_acc_list[e]:.4f}")
        if self.val_acc_list:
            text += f"  val acc {self.val_acc_list[e]:.4f}"
        return text + f"  ({self.epoch_seconds[e]:.1f} s)"

    @contextlib.contextmanager
    def _deferred_interrupt(self):
        """Turn Ctrl-C into a request honoured between steps (only possible in the main thread)."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = signal.signal(signal.SIGINT, lambda signum, frame: self.request_stop())
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, previous)
            self._stop_requested = False

    # -- history -------------------------------------------------------------------------------
    def history(self) -> dict:
        return {"train_loss": list(self.train_loss_list), "train_acc": list(self.train_acc_list),
                "test_acc": list(self.test_acc_list), "val_acc": list(self.val_acc_list),
                "epoch_seconds": list(self.epoch_seconds), "iter_per_epoch": self.iter_per_epoch}

    # -- checkpoints ---------------------------------------------------------------------------
    @property
    def checkpoint_path(self) -> Path:
        if self.run_folder is None:
            raise ValueError("checkpoints need an output directory (out_dir)")
        return self.run_folder.checkpoint_path

    def save_checkpoint(self) -> None:
        """Write model, optimizer, generators, history and position atomically (no-op without out_dir)."""
        if self.run_folder is None:
            return
        opt = self.optimizer.state_dict()
        tensors = {f"model/{k}": v for k, v in state_dict(self.network).items()}
        for slot, arrays in opt["slots"].items():
            tensors.update({f"optimizer/{slot}/{k}": v for k, v in arrays.items()})
        tensors["history/train_loss"] = np.array(self.train_loss_list, dtype=np.float64)
        if self.perm is not None:
            tensors["trainer/perm"] = self.perm
        state = {
            "epoch": self.epoch, "step": self.step, "epochs": self.epochs,
            "batch_size": self.batch_size, "seed": self.seed,
            "rng": self.rng.bit_generator.state,
            "network_rng": self.network.rng.bit_generator.state if hasattr(self.network, "rng") else None,
            "optimizer": {"name": opt["name"], "hyper": opt["hyper"], "iter": opt["iter"],
                          "slots": list(opt["slots"])},
            "train_acc": self.train_acc_list, "test_acc": self.test_acc_list,
            "val_acc": self.val_acc_list, "epoch_seconds": self.epoch_seconds,
        }
        self.run_folder.save_checkpoint(self.network, tensors, state)
        # the curves are drawn once, at the end of the run
        self.run_folder.write_history(self.history(), curves=False)

    def _check_same_run(self, path, dataset, state: dict) -> None:
        """A resumed run must continue on the data and with the settings it started with;
        only the number of epochs may grow."""
        sides = {  # what: (the checkpoint's, this trainer's)
            "dataset": (dataset, self.metadata.get("dataset")),
            "batch size": (state["batch_size"], self.batch_size),
            "seed": (state["seed"], self.seed),
            "optimizer": (state["optimizer"]["name"], type(self.optimizer).__name__),
            "optimizer settings": (state["optimizer"]["hyper"], self.optimizer.hyperparameters()),
        }
        for what, (saved, now) in sides.items():
            saved, now = json.dumps(saved, ensure_ascii=False), json.dumps(now, ensure_ascii=False)
            if saved != now:
                raise ModelFileError(f"{path}: the run was started with {what} {saved}, and would"
                                     f" go on with {now}: resume it with the same settings, or"
                                     " start a new run in another folder")

    def load_checkpoint(self, path) -> None:
        """Restore everything save_checkpoint wrote; the network must have the same architecture."""
        tensors, state, dataset = read_checkpoint(path, self.network)
        self._check_same_run(path, dataset, state)
        model_tensors = {k[6:]: v for k, v in tensors.items() if k.startswith("model/")}
        check_state(self.network, model_tensors, path)
        load_state(self.network, model_tensors)
        slots = {slot: {k.split("/", 2)[2]: v for k, v in tensors.items()
                        if k.startswith(f"optimizer/{slot}/")}
                 for slot in state["optimizer"]["slots"]}
        self.optimizer.load_state_dict({**state["optimizer"], "slots": slots})
        self.rng.bit_generator.state = state["rng"]
        if state["network_rng"] is not None:
            self.network.rng.bit_generator.state = state["network_rng"]
        self.epoch, self.step = state["epoch"], state["step"]
        self.perm = tensors.get("trainer/perm")
        self.train_loss_list = tensors["history/train_loss"].tolist()
        self.train_acc_list, self.test_acc_list = state["train_acc"], state["test_acc"]
        self.val_acc_list, self.epoch_seconds = state["val_acc"], state["epoch_seconds"]
