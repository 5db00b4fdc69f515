"""Training for the page: one run in a thread of its own, reporting as it goes.

The loop is zerodl.trainer.Trainer's; a Progress of the page's (PageProgress) adds what a page
needs: a progress event every few steps, the first layer's weights as they change, pause, and a
stop between two steps. It writes no files: the page saves the model when the user asks.

Events are kept, in order, for the whole run, so that a page that connects late, or again,
sees the run from its start; `follow` hands them out as they come.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import asdict, dataclass

import numpy as np

from zerodl.errors import ZerodlError
from zerodl.nets import build_model
from zerodl.optimizers import OPTIMIZERS, make_optimizer
from zerodl.serve.checks import choice, number
from zerodl.serve.views import IMAGE_SIDE, first_weights
from zerodl.trainer import Progress, Trainer, TrainingInterrupted

log = logging.getLogger("zerodl.serve")

MODELS = ("two-layer", "mlp", "simple-conv")
EVENTS_PER_EPOCH = 25
ACCURACY_SAMPLE = 1000  # images of each split whose accuracy a progress event reports
WEIGHTS_EVERY = 0.5  # seconds between two pictures of the first layer's weights
MAX_EPOCHS = 100
MAX_BATCH = 1000  # a SimpleConvNet step of 1000 images needs about 200 MB


def network_config(model: str, classes: int) -> dict:
    """The network of each model the page offers, as `zerodl train` builds it by default."""
    if model == "simple-conv":
        return {"input_dim": [1, IMAGE_SIDE, IMAGE_SIDE], "output_size": classes}
    base = {"input_size": IMAGE_SIDE * IMAGE_SIDE, "output_size": classes}
    if model == "two-layer":
        return {**base, "hidden_size": 50}
    return {**base, "hidden_size_list": [100, 100], "activation": "relu", "weight_init_std": "he"}


@dataclass(frozen=True)
class TrainingSpec:
    """What to train: the fields of a POST /api/train body."""

    model: str
    optimizer: str
    lr: float
    batch_size: int
    epochs: int
    dataset: str
    seed: int

    @classmethod
    def from_request(cls, body: dict, datasets: list[str], default_dataset: str,
                     suggested_lr: dict[str, float]) -> TrainingSpec:
        """The spec a request asks for, every field checked (RequestError names the first that
        does not fit). `datasets` are the only ones a request may name: a request never
        chooses a folder of the server's disk."""
        optimizer = choice(body, "optimizer", list(OPTIMIZERS), "sgd")
        # without a suggestion, the optimizer's own default
        lr = suggested_lr.get(optimizer, make_optimizer(optimizer).lr)
        return cls(model=choice(body, "model", MODELS, "two-layer"), optimizer=optimizer,
                   lr=float(number(body, "lr", 1e-6, 10, lr)),
                   batch_size=number(body, "batch_size", 1, MAX_BATCH, 100, whole=True),
                   epochs=number(body, "epochs", 1, MAX_EPOCHS, 1, whole=True),
                   dataset=choice(body, "dataset", datasets, default_dataset),
                   seed=number(body, "seed", 0, 2**32 - 1, 0, whole=True))


class TrainingSession:
    """One training run. `load_data(dataset)` gives ((x, t) train, (x, t) test, metadata) with
    uint8 images (N, 28, 28); `on_finished(network, metadata)` receives the trained network
    (unless the run was stopped before its first step) before the last event says that the
    run is over."""

    def __init__(self, spec: TrainingSpec, load_data, on_finished) -> None:
        self.spec = spec
        self._load_data, self._on_finished = load_data, on_finished
        self._events: list[dict] = []
        self._changed = threading.Condition()
        self._go = threading.Event()  # cleared while paused
        self._go.set()
        self._stop = False
        self._finished = False
        self._thread = threading.Thread(target=self._run, name="zerodl-training", daemon=True)

    # -- control, from any thread ---------------------------------------------------------------
    def start(self) -> None:
        self._thread.start()

    def pause(self) -> None:
        self._go.clear()

    def resume(self) -> None:
        self._go.set()

    def stop(self) -> None:
        """End the run after the step in progress (a paused run at once)."""
        self._stop = True
        self._go.set()

    def join(self, timeout: float | None = None) -> None:
        if self._thread.is_alive():
            self._thread.join(timeout)

    @property
    def state(self) -> str:
        """running, paused, or, once over, the type of its last event: done or error."""
        with self._changed:
            if self._finished:
                return self._events[-1]["type"]
        return "running" if self._go.is_set() else "paused"

    def status(self) -> dict:
        return {"state": self.state, "spec": asdict(self.spec)}

    def follow(self, start: int = 0, wait: float = 15.0):
        """The events from number `start` on, waiting for new ones until the run is over; None
        after `wait` seconds without one (a stream sends something, to learn that its reader
        is still there)."""
        index = start
        while True:
            with self._changed:
                if index >= len(self._events) and not self._finished:
                    self._changed.wait(wait)
                new, finished = self._events[index:], self._finished
            index += len(new)
            yield from new
            if not new:
                if finished:
                    return
                yield None

    # -- the run, in its thread ---------------------------------------------------------------
    def _emit(self, kind: str, finished: bool = False, **fields) -> None:
        with self._changed:
            self._events.append({"id": len(self._events), "type": kind, **fields})
            self._finished = finished
            self._changed.notify_all()

    def _run(self) -> None:
        try:
            self._train()
        except (ZerodlError, ValueError, MemoryError) as e:
            message = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            self._emit("error", finished=True, message=message)
        except Exception as e:  # the page must hear of it, and the server goes on
            log.exception("training failed")
            self._emit("error", finished=True, message=f"internal error: {type(e).__name__}: {e}")

    def _train(self) -> None:
        spec = self.spec
        self._emit("loading", dataset=spec.dataset)
        (x_train, t_train), (x_test, t_test), meta = self._load_data(spec.dataset)
        conv = spec.model == "simple-conv"
        shape = (1, IMAGE_SIDE, IMAGE_SIDE) if conv else (IMAGE_SIDE * IMAGE_SIDE,)
        x_train = (x_train.astype(np.float32) / 255.0).reshape(len(x_train), *shape)
        x_test = (x_test.astype(np.float32) / 255.0).reshape(len(x_test), *shape)
        network = build_model(spec.model, network_config(spec.model, len(meta["classes"])),
                              seed=spec.seed)
        sample = np.random.default_rng(spec.seed).permutation(len(x_train))[:ACCURACY_SAMPLE]
        watch = (x_train[sample], t_train[sample], x_test[:ACCURACY_SAMPLE], t_test[:ACCURACY_SAMPLE])
        progress = PageProgress(self, watch)
        trainer = Trainer(network, x_train, t_train, x_test, t_test, epochs=spec.epochs,
                          mini_batch_size=spec.batch_size,
                          optimizer=make_optimizer(spec.optimizer, lr=spec.lr),
                          evaluate_sample_num_per_epoch=ACCURACY_SAMPLE, seed=spec.seed,
                          progress=progress)
        self._emit("start", **asdict(spec), iterations_per_epoch=trainer.iter_per_epoch,
                   train_size=len(x_train), test_size=len(x_test), classes=meta["classes"])
        self._weights(network, 0)
        started = time.monotonic()
        if not self._stop:  # a run stopped before its first step trains nothing
            try:
                trainer.train()
                return self._finish(network, meta, trainer.final_test_acc,
                                    progress.iteration(trainer), started, False)
            except TrainingInterrupted:
                pass
        self._finish(network, meta, network.accuracy(x_test, t_test), progress.iteration(trainer),
                     started, True)

    def _weights(self, network, iteration: int) -> None:
        first = first_weights(network)
        if first is not None:
            self._emit("weights", iteration=iteration, layer=first[0], pictures=first[1])

    def _finish(self, network, meta, accuracy: float, iteration: int, started: float,
                stopped: bool) -> None:
        if iteration:
            self._on_finished(network, meta)
        self._emit("done", finished=True, stopped=stopped, iteration=iteration, test_acc=accuracy,
                   served=bool(iteration), seconds=round(time.monotonic() - started, 2))


class PageProgress(Progress):
    """What the Trainer's loop tells the page: after each step, a pause that waits for resume or
    stop, a stop asked for, and every iterations_per_epoch / EVENTS_PER_EPOCH steps a progress
    event (the mean loss since the last one, the accuracy on a fixed sample of each split) with,
    at most every WEIGHTS_EVERY seconds, a picture of the first layer's weights."""

    def __init__(self, session: TrainingSession, watch) -> None:
        self.session, self.watch = session, watch
        self.losses: list[float] = []
        self.shown = time.monotonic()

    @staticmethod
    def iteration(trainer: Trainer) -> int:
        return trainer.epoch * trainer.iter_per_epoch + trainer.step

    def step(self, trainer: Trainer) -> None:
        session, network = self.session, trainer.network
        self.losses.append(trainer.train_loss_list[-1])
        per_epoch, iteration = trainer.iter_per_epoch, self.iteration(trainer)
        every = max(1, per_epoch // EVENTS_PER_EPOCH)
        if trainer.step % every == 0 or trainer.step == per_epoch:
            x_tr, t_tr, x_te, t_te = self.watch
            session._emit("progress", epoch=trainer.epoch + 1, iteration=iteration,
                          epochs_done=round(iteration / per_epoch, 4),
                          loss=float(np.mean(self.losses)), train_acc=network.accuracy(x_tr, t_tr),
                          test_acc=network.accuracy(x_te, t_te))
            self.losses = []
            if time.monotonic() - self.shown >= WEIGHTS_EVERY or trainer.step == per_epoch:
                session._weights(network, iteration)
                self.shown = time.monotonic()
        if not session._go.is_set():
            session._emit("paused", iteration=iteration)
            session._go.wait()
            session._emit("resumed", iteration=iteration)
        if session._stop:
            trainer.request_stop()
