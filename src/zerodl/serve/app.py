"""What `zerodl serve` answers, without the HTTP around it: the model it serves, what that model
makes of a picture, the test digits it gets wrong, and the training run of the Learn tab.

One model is served at a time. A training run builds a network of its own, and when the run
ends that network is served instead. The layers of a network keep what their forward pass
computed (for the backward pass), so two requests must never run one network at once: every
forward pass through a served model holds one lock.
"""

from __future__ import annotations

import base64
import binascii
import threading
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np

from zerodl.datasets import DATASETS, dataset_aliases, load_raw
from zerodl.datasets.images import read_pixels
from zerodl.datasets.mnist import NUM_CLASSES
from zerodl.errors import DataError, ModelFileError
from zerodl.io import save_model
from zerodl.optimizers import OPTIMIZERS
from zerodl.prediction import model_input, predict_picture, probabilities
from zerodl.run_folder import MODEL_NAME
from zerodl.serve.checks import RequestError, bad, number
from zerodl.serve.training import MAX_BATCH, MAX_EPOCHS, MODELS, TrainingSession, TrainingSpec
from zerodl.serve.views import DECIMALS, activations, as_network, blank_input, describe

DEFAULT_RUNS = Path("runs")  # where `zerodl train` writes its run folders by default
NO_MODEL = ("no model yet: train one in the Learn tab, or with `zerodl train` (it writes"
            " runs/NAME/model.safetensors), or start the server with --model FILE")
MISTAKES_SHOWN = 48
SCORING_BATCH = 500  # test images scored at once when looking for mistakes


def one_line(error: Exception) -> str:
    """The first line of an error's message (a DataError goes on with where it looked)."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def latest_model(runs: Path = DEFAULT_RUNS) -> Path | None:
    """The model file of the run folder under `runs` written last, or None."""
    files = [f for f in runs.glob(f"*/{MODEL_NAME}") if f.is_file()]
    return max(files, key=lambda f: f.stat().st_mtime) if files else None


@dataclass
class Served:
    """A model being served: the model, its chain of layers, what its file says of its data,
    and where it came from. `dataset` is where its test digits are taken from."""

    model: object
    network: object
    meta: dict
    dataset: str
    source: str
    info: dict = field(default_factory=dict)
    mistakes: dict | None = None  # found on the first request, then kept


class App:
    """The served model and the training run. `dataset` (a name, an alias or a folder) is
    where test digits and training data come from; without it, the model's own dataset, else
    MNIST. `suggested_lr` maps optimizer names to the learning rates the page starts from."""

    def __init__(self, model=None, *, source: str = "", dataset: str | None = None,
                 data_dir=None, download: bool = True, runs_dir: Path = DEFAULT_RUNS,
                 suggested_lr: dict[str, float] | None = None) -> None:
        self.data_dir, self.download, self.runs_dir = data_dir, download, Path(runs_dir)
        self.suggested_lr = dict(suggested_lr or {})
        self._dataset = dataset
        self._compute = threading.Lock()  # one forward pass through a served model at a time
        self._data_lock = threading.Lock()
        self._data: dict[str, tuple] = {}
        self._session: TrainingSession | None = None
        self._session_lock = threading.Lock()
        meta = getattr(model, "meta", {}) if model is not None else {}
        chosen = dataset or meta.get("dataset") or "mnist"
        self._served = self._serve(model, meta, chosen, source) if model is not None else None

    def _serve(self, model, meta: dict, dataset: str, source: str) -> Served:
        network = as_network(model)
        classes = meta.get("classes") or [str(i) for i in range(NUM_CLASSES)]
        served = Served(model, network, {**meta, "classes": classes,
                                         "framing": meta.get("framing", "digit")}, dataset, source)
        try:
            with self._compute:
                layers = describe(model, network)
        except ValueError as e:
            raise ModelFileError(f"{source or 'the model'}: it does not take 28x28 pictures"
                                 f" ({one_line(e)})") from None
        served.info = {"name": model.model_name, "network": type(model).__name__,
                       "source": source, "dataset": dataset, "classes": classes,
                       "framing": served.meta["framing"],
                       "input_shape": list(blank_input(model).shape[1:]),
                       "parameters": sum(row["parameters"] for row in layers), "layers": layers}
        return served

    def _require_model(self) -> Served:
        served = self._served
        if served is None:
            raise RequestError(404, NO_MODEL)
        return served

    # -- data ------------------------------------------------------------------------------------
    def datasets(self) -> list[str]:
        """The datasets a request may name: the two known ones, the aliases, the one the server
        was started with and the served model's."""
        names = [*DATASETS, *dataset_aliases(), self._dataset,
                 self._served.dataset if self._served else None]
        return list(dict.fromkeys(n for n in names if n))

    def load_data(self, dataset: str):
        """((x, t) train, (x, t) test, metadata) of a dataset, images uint8 (N, 28, 28), read
        once and kept. DataError if it cannot be had."""
        with self._data_lock:
            if dataset not in self._data:
                train, test, location = load_raw(dataset, self.data_dir, self.download)
                self._data[dataset] = (train, test, location.metadata())
            return self._data[dataset]

    def _test_digits(self, served: Served):
        try:
            return self.load_data(served.dataset)[1]
        except DataError as e:
            raise RequestError(404, f"no test digits: {one_line(e)}") from None

    # -- the draw tab ------------------------------------------------------------------------------
    def model_info(self) -> dict:
        """The served model: its name, where it came from, its classes and its layers; with
        no model, a name of None and how to get one."""
        if self._served is None:
            return {"name": None, "layers": [], "classes": [], "message": NO_MODEL}
        return self._served.info

    def predict(self, body: dict) -> dict:
        """What the model makes of a picture sent as a data URL, prepared as `zerodl predict`
        prepares a file: the probabilities, the 28x28 input it saw, every layer's activations."""
        image = body.get("image")
        header, comma, payload = image.partition(",") if isinstance(image, str) else ("", "", "")
        if not comma or not header.startswith("data:image/") or not header.endswith(";base64"):
            raise bad("image: expected a data URL, data:image/png;base64,...")
        try:
            data = base64.b64decode(payload, validate=True)
        except (binascii.Error, ValueError):
            raise bad("image: the data URL's base64 is damaged") from None
        served = self._require_model()
        with self._compute:
            try:
                seen = predict_picture(served.model, read_pixels(data), served.meta["framing"])
            except DataError as e:
                raise bad(one_line(e)) from None
            layers = activations(served.network, model_input(served.model, seen.image[None]))
        top = seen.top(served.meta["classes"])
        return {"probabilities": [float(p) for p in seen.probabilities], "class": top[0]["class"],
                "label": top[0]["label"], "top": top, "warning": seen.warning,
                "input": np.round(seen.image.astype(np.float64), DECIMALS).tolist(),
                "activations": layers}

    def digit(self, query: dict) -> dict:
        """A test digit: number `index`, or one at random."""
        served = self._require_model()
        x, t = self._test_digits(served)
        index = number(query, "index", 0, len(x) - 1, int(np.random.default_rng().integers(len(x))),
                       whole=True)
        return {"dataset": served.dataset, "index": index, "label": int(t[index]),
                "class_name": served.meta["classes"][int(t[index])], "pixels": x[index].tolist()}

    def mistakes(self, query: dict) -> dict:
        """The test digits that the served model classifies wrongly: how many, and the first
        `limit` of them with what the model took them for."""
        served = self._require_model()
        limit = number(query, "limit", 1, 1000, MISTAKES_SHOWN, whole=True)
        if served.mistakes is None:
            x, t = self._test_digits(served)
            with self._compute:
                p = np.concatenate([probabilities(served.model, x[i:i + SCORING_BATCH] / 255.0)
                                    for i in range(0, len(x), SCORING_BATCH)])
            wrong = np.flatnonzero(p.argmax(axis=1) != t)
            served.mistakes = {"dataset": served.dataset, "total": len(x), "wrong": len(wrong),
                               "digits": [{"index": int(i), "label": int(t[i]),
                                           "predicted": int(p[i].argmax()),
                                           "p": round(float(p[i].max()), 4),
                                           "pixels": x[i].tolist()} for i in wrong[:1000]]}
        return {**served.mistakes, "digits": served.mistakes["digits"][:limit]}

    # -- the learn tab -----------------------------------------------------------------------------
    def options(self) -> dict:
        """What the Learn tab offers, and the limits a training request must keep to."""
        default = self._served.dataset if self._served else self._dataset or "mnist"
        return {"models": list(MODELS), "optimizers": list(OPTIMIZERS),
                "lr": {name: self.suggested_lr.get(name, cls().lr) for name, cls in OPTIMIZERS.items()},
                "datasets": self.datasets(), "dataset": default,
                "limits": {"epochs": MAX_EPOCHS, "batch_size": MAX_BATCH}}

    def start_training(self, body: dict) -> dict:
        """Start a run (one at a time): its status, as the run has it."""
        with self._session_lock:
            if self._session is not None and self._session.state in ("running", "paused"):
                raise RequestError(409, "a training is already running: stop it first"
                                        " (POST /api/train/stop)")
            options = self.options()
            spec = TrainingSpec.from_request(body, options["datasets"], options["dataset"],
                                             options["lr"])
            self._session = TrainingSession(
                spec, self.load_data, lambda network, meta: self._serve_trained(network, meta, spec))
            self._session.start()
            return self._session.status()

    def _serve_trained(self, network, meta: dict, spec: TrainingSpec) -> None:
        source = (f"trained here: {spec.model}, {spec.optimizer} (lr {spec.lr:g}), batch"
                  f" {spec.batch_size}, {spec.epochs} epoch(s) on {spec.dataset}")
        self._served = self._serve(network, meta, spec.dataset, source)

    def session(self) -> TrainingSession:
        if self._session is None:
            raise RequestError(404, "no training has been started (POST /api/train starts one)")
        return self._session

    def training_status(self) -> dict:
        """The run's state and what it trains; {"state": "idle"} before the first."""
        return self._session.status() if self._session is not None else {"state": "idle"}

    def save(self) -> dict:
        """Write the served model as runs/MODEL-DATASET-TIME/model.safetensors, where
        `zerodl serve`, `eval` and `predict` find it."""
        served = self._require_model()
        stem = f"{served.model.model_name}-{Path(served.dataset).name}-{datetime.now():%Y%m%d-%H%M%S}"
        folder, n = self.runs_dir / stem, 1
        while folder.exists():
            n += 1
            folder = self.runs_dir / f"{stem}-{n}"
        folder.mkdir(parents=True)
        path = folder / MODEL_NAME
        with self._compute:
            save_model(served.model, path, **served.meta)
        return {"path": str(path)}

    def close(self) -> None:
        """Stop a training that is running."""
        if self._session is not None:
            self._session.stop()
            self._session.join(5)
