"""Training through the API: POST /api/train starts a run, GET /api/train/events streams its
progress, and the network it trains is served when it ends."""

import math
import time

import pytest

from zerodl.datasets import load_mnist
from zerodl.nets import load_model
from zerodl.serve import App

ONE_EPOCH = {"model": "two-layer", "optimizer": "sgd", "lr": 0.1, "batch_size": 100, "epochs": 1}


@pytest.fixture
def app(book_model, mnist10k, tmp_path):
    return App(book_model, source="book.safetensors", dataset=str(mnist10k),
               runs_dir=tmp_path / "runs")


def test_a_run_streams_its_progress_and_its_network_is_served(serve, app, mnist10k):
    with serve(app) as client:
        start = time.monotonic()
        status, answer = client.post("/api/train", {**ONE_EPOCH, "dataset": str(mnist10k)})
        assert status == 202 and answer["state"] in ("running", "done")
        events = []
        for event in client.events():
            events.append((time.monotonic() - start, event))
        progress = [(t, e) for t, e in events if e["type"] == "progress"]
        assert len([t for t, e in progress if t < 60 and math.isfinite(e["loss"])]) >= 5
        assert [e["id"] for _, e in events] == list(range(len(events)))
        first, last = progress[0][1], progress[-1][1]
        assert set(first) >= {"epoch", "iteration", "loss", "train_acc", "test_acc"}
        assert last["iteration"] == 100 and last["epochs_done"] == 1.0
        assert last["loss"] < first["loss"] and last["test_acc"] > 0.5
        weights = [e for _, e in events if e["type"] == "weights"]
        assert weights[0]["layer"] == "Affine1" and weights[0]["pictures"]["shape"] == [50, 28, 28]
        done = events[-1][1]
        assert done["type"] == "done" and not done["stopped"] and done["served"]
        _, model = client.get("/api/model")
        assert model["name"] == "two-layer" and model["source"].startswith("trained here")
        # a page that connects after the run still sees it whole; from=N skips what it has
        assert [e["id"] for e in client.events()] == [e["id"] for _, e in events]
        assert [e["id"] for e in client.events(f"/api/train/events?from={done['id']}")] == [done["id"]]

        status, saved = client.post("/api/model/save")
        assert status == 200
        loaded = load_model(saved["path"])
        assert loaded.model_name == "two-layer" and loaded.meta["classes"][3] == "3"
        assert abs(loaded.accuracy(*load_mnist(dataset=str(mnist10k))[1]) - done["test_acc"]) < 1e-9


def test_one_run_at_a_time_that_pauses_resumes_and_stops(serve, app, mnist10k):
    with serve(app) as client:
        status, _ = client.post("/api/train", {**ONE_EPOCH, "epochs": 100, "dataset": str(mnist10k)})
        assert status == 202
        status, answer = client.post("/api/train", ONE_EPOCH)
        assert status == 409 and "already running" in answer["error"]
        events = client.events()
        kinds = []
        # each request is made once the run has shown that it acted on the one before
        for wait_for, then in [("progress", "pause"), ("paused", "resume"), ("resumed", "stop")]:
            while not kinds or kinds[-1] != wait_for:
                kinds.append(next(events)["type"])
            if then == "pause":
                assert client.post("/api/train/pause")[1]["state"] == "paused"
            else:
                assert client.post(f"/api/train/{then}")[0] == 200
        last = list(events)[-1]
        assert last["type"] == "done" and last["stopped"] and 0 < last["iteration"] < 100 * 100
        assert client.get("/api/train")[1]["state"] == "done"
        # the stopped run's network is served, as far as it got
        assert client.get("/api/model")[1]["name"] == "two-layer"
        assert client.post("/api/train", {**ONE_EPOCH, "dataset": str(mnist10k)})[0] == 202
        assert list(client.events())[-1]["type"] == "done"


@pytest.mark.parametrize("change, message", [
    ({"model": "deep-conv"}, "model: 'deep-conv' is not one of two-layer, mlp, simple-conv"),
    ({"optimizer": "lbfgs"}, "optimizer: 'lbfgs' is not one of"),
    ({"lr": -1}, "lr: must be from"),
    ({"lr": "0.1"}, "lr: expected a number"),
    ({"batch_size": 0}, "batch_size: must be from 1"),
    ({"batch_size": 2.5}, "batch_size: expected a whole number"),
    ({"epochs": True}, "epochs: expected a whole number"),
    ({"epochs": 10**6}, "epochs: must be from 1 to 100"),
    ({"dataset": "/etc"}, "dataset: '/etc' is not one of"),
])
def test_a_training_request_is_checked_before_anything_starts(serve, app, change, message):
    with serve(app) as client:
        status, answer = client.post("/api/train", {**ONE_EPOCH, **change})
        assert status == 400 and message in answer["error"]
        assert client.get("/api/train")[1] == {"state": "idle"}


def test_a_run_whose_data_cannot_be_read_says_so_and_keeps_the_served_model(serve, book_model,
                                                                            tmp_path):
    missing = str(tmp_path / "no-such-data")
    with serve(App(book_model, dataset=missing)) as client:
        assert client.post("/api/train", {**ONE_EPOCH, "dataset": missing})[0] == 202
        last = list(client.events())[-1]
        assert last["type"] == "error" and last["message"].endswith("no such folder")
        assert client.get("/api/train")[1]["state"] == "error"
        assert client.get("/api/model")[1]["name"] == "three-layer"
        status, answer = client.get("/api/digit")
        assert status == 404 and "no such folder" in answer["error"]


def test_events_before_any_run_are_refused(serve, app):
    with serve(app) as client:
        status, _, answer = client.request("GET", "/api/train/events")
        assert status == 404 and "no training has been started" in answer["error"]
        assert client.post("/api/train/stop")[0] == 404

