"""The JSON API of `zerodl serve` through the standard library's HTTP client: the model, its
predictions on pictures sent as a canvas sends them, test digits and mistakes, and refusals."""

import base64
import io
import logging
import os
import re
import socket
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from PIL import Image

from pictures import drawing
from zerodl.datasets import load_mnist
from zerodl.datasets.images import read_pixels
from zerodl.functions import softmax
from zerodl.nets import SimpleConvNet
from zerodl.prediction import predict_picture
from zerodl.serve import App, latest_model

BOOK_LAYERS = [("Affine1", [50]), ("Sigmoid1", [50]), ("Affine2", [100]), ("Sigmoid2", [100]),
               ("Affine3", [10])]


def data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()


@pytest.fixture(scope="module")
def test_digits(mnist10k):
    _, (x, t) = load_mnist(normalize=False, flatten=False, dataset=str(mnist10k))
    return x[:, 0], t


def test_the_model_is_described_layer_by_layer(book_server):
    status, model = book_server.get("/api/model")
    assert status == 200
    assert model["name"] == "three-layer" and model["classes"] == [str(i) for i in range(10)]
    assert [(row["name"], row["output_shape"]) for row in model["layers"]] == BOOK_LAYERS
    assert model["parameters"] == 784 * 50 + 50 + 50 * 100 + 100 + 100 * 10 + 10


def test_canvas_drawings_of_test_digits_are_read_as_zerodl_predict_reads_them(
        book_server, book_model, test_digits):
    x, t = test_digits
    right = 0
    for digit, label in zip(x[:20], t[:20], strict=True):
        png = drawing(digit)  # 280x280 RGBA, black ink on transparent
        status, answer = book_server.post("/api/predict", {"image": data_url(png)})
        assert status == 200
        right += answer["class"] == label
        expected = predict_picture(book_model, read_pixels(png))
        np.testing.assert_allclose(answer["probabilities"], expected.probabilities, atol=1e-6)
        np.testing.assert_allclose(answer["input"], expected.image, atol=1e-4)
    assert right >= 17, f"{right} of the first 20 test digits read right"


def test_the_activations_are_what_each_layer_computes(book_server, test_digits):
    status, answer = book_server.post("/api/predict", {"image": data_url(drawing(test_digits[0][0]))})
    assert status == 200
    layers = answer["activations"]
    assert [(name, [len(values)]) for name, values in layers.items()] == BOOK_LAYERS
    sigmoid = 1 / (1 + np.exp(-np.array(layers["Affine1"])))
    np.testing.assert_allclose(layers["Sigmoid1"], sigmoid, atol=2e-4)
    # the book's network ends in softmax: the last layer's scores give the probabilities
    np.testing.assert_allclose(softmax(np.array(layers["Affine3"])), answer["probabilities"],
                               atol=2e-3)
    assert answer["label"] == "7" and answer["top"][0]["label"] == "7"


def test_a_convolutional_network_shows_its_feature_maps_and_filters(serve):
    net = SimpleConvNet(seed=0)
    with serve(App(net)) as client:
        _, model = client.get("/api/model")
        conv = model["layers"][0]
        assert (conv["name"], conv["type"], conv["output_shape"]) == ("Conv1", "Convolution",
                                                                       [30, 24, 24])
        filters = conv["filters"]
        assert filters["shape"] == [30, 1, 5, 5]
        q = np.frombuffer(base64.b64decode(filters["data"]), np.int8).reshape(30, -1)
        W = net.params["W1"].reshape(30, -1)
        np.testing.assert_allclose(q / 127 * np.array(filters["scale"])[:, None], W,
                                   atol=float(np.abs(W).max()) / 127)
        png = drawing(np.eye(28, dtype=np.uint8) * 255)
        status, answer = client.post("/api/predict", {"image": data_url(png)})
        assert status == 200
        maps = {name: np.array(values).shape for name, values in answer["activations"].items()}
        assert maps["Conv1"] == (30, 24, 24) and maps["Pool1"] == (30, 12, 12)
        assert maps["Affine2"] == (10,)
        x = np.array(answer["input"], dtype=np.float32)[None, None]
        np.testing.assert_allclose(answer["activations"]["Conv1"],
                                   net.layers["Conv1"].forward(x)[0], atol=1e-3)


def test_requests_at_the_same_time_each_get_their_own_answer(book_server, test_digits):
    images = [{"image": data_url(drawing(digit))} for digit in test_digits[0][:6]]
    alone = [book_server.post("/api/predict", image)[1] for image in images]
    with ThreadPoolExecutor(6) as pool:
        together = list(pool.map(lambda image: book_server.post("/api/predict", image)[1], images * 3))
    for i, answer in enumerate(together):
        assert answer == alone[i % len(images)]


@pytest.mark.parametrize("image, expected", [
    ("data:image/png;base64," + base64.b64encode(b"\x89PNG\r\n\x1a\n broken").decode(),
     "not a readable image"),
    ("data:image/png;base64,@@not base64@@", "base64 is damaged"),
    ("https://example.org/seven.png", "expected a data URL"),
    (7, "expected a data URL"),
])
def test_a_bad_image_gets_400_with_a_message(book_server, image, expected):
    status, answer = book_server.post("/api/predict", {"image": image})
    assert status == 400 and expected in answer["error"]
    assert "\n" not in answer["error"]


def test_an_image_with_too_many_pixels_is_refused_before_it_is_decoded(book_server, monkeypatch):
    monkeypatch.setenv("ZERODL_MAX_IMAGE_PIXELS", "10000")
    status, answer = book_server.post("/api/predict", {"image": data_url(drawing(np.zeros((28, 28),
                                                                                          np.uint8)))})
    assert status == 400 and "78,400 pixels, more than the limit of 10,000" in answer["error"]


def test_requests_out_of_bounds_are_refused_and_the_server_goes_on(book_server):
    json_type = {"Content-Type": "application/json"}
    cases = [
        ("POST", "/api/predict", b"", {"Content-Length": str(1 << 30), **json_type}, 413),
        ("POST", "/api/predict", b"{not json", json_type, 400),
        ("POST", "/api/predict", b"[1, 2]", json_type, 400),
        ("POST", "/api/predict", b"[" * 100_000 + b"]" * 100_000, json_type, 400),
        ("POST", "/api/predict", b'{"image": 1}', {"Content-Type": "text/plain"}, 415),
        ("POST", "/api/train", b"{}", {**json_type, "Origin": "http://evil.example"}, 403),
        ("GET", "/api/model", None, {"Host": "evil.example:80"}, 403),
        ("GET", "/api/nothing", None, {}, 404),
        ("GET", "/api/predict", None, {}, 405),
        ("GET", "/api/digit?index=99999", None, {}, 400),
        ("GET", "/api/digit?index=seven", None, {}, 400),
    ]
    for method, path, body, headers, expected in cases:
        status, _, answer = book_server.request(method, path, body, headers)
        assert status == expected, (path, headers, answer)
        assert isinstance(answer["error"], str) and answer["error"], path
    status, _ = book_server.get("/api/model")
    assert status == 200


@pytest.mark.parametrize("raw", [
    b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(range(256)),  # a TLS hello
    b"GET / HTTP/1.1\r\nX-Long: " + b"a" * 70_000 + b"\r\n\r\n",
    b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n",
    b"DELETE /api/model HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    b"POST /api/predict HTTP/1.1\r\nContent-Length: 100\r\nContent-Type: application/json\r\n\r\n{",
])
def test_what_is_not_http_gets_an_error_and_the_server_goes_on(book_server, raw):
    with socket.create_connection((book_server.host, book_server.port), timeout=60) as s:
        s.sendall(raw)
        s.shutdown(socket.SHUT_WR)
        answer = s.recv(300)
    # a request line that is not HTTP/1.x is answered without a status line, as in HTTP/0.9
    assert re.match(rb"HTTP/1.0 [45]\d\d|<!DOCTYPE HTML>.*Error code: [45]\d\d", answer, re.S), answer
    assert book_server.get("/api/model")[0] == 200


def test_a_client_that_hangs_up_is_no_error_of_the_servers(book_server, monkeypatch):
    """A request that ends in a broken pipe or a reset (the client left before its answer) is
    logged for debugging only; any other failure of a request is logged as an error."""
    records = []
    handler = logging.Handler(logging.DEBUG)
    handler.emit = records.append
    log = logging.getLogger("zerodl.serve")
    # read here alone: the CLI's tests leave the "zerodl" logger with a handler of their own
    monkeypatch.setattr(log, "propagate", False)
    level = log.level
    log.setLevel(logging.DEBUG)
    log.addHandler(handler)
    try:
        for error in (BrokenPipeError(32, "Broken pipe"), ConnectionResetError(104, "reset"),
                      ValueError("a bug")):
            try:
                raise error
            except Exception:
                book_server.server.handle_error(None, ("127.0.0.1", 5000))
    finally:
        log.removeHandler(handler)
        log.setLevel(level)
    assert [r.exc_info[0] for r in records if r.levelno >= logging.ERROR] == [ValueError]
    assert sum("hung up" in r.getMessage() for r in records) == 2


@pytest.mark.parametrize("path", ["/static/../app.py", "/static/%2e%2e/app.py", "/static/app.py",
                                  "/static//etc/passwd", "/static/", "/../pyproject.toml",
                                  "/static/..%2fserver.py", "/index.html/../app.py"])
def test_only_the_page_is_served_from_the_package(book_server, path):
    status, _, answer = book_server.request("GET", path)
    assert status == 404 and "error" in answer


def test_the_page_has_a_canvas_and_loads_nothing_from_elsewhere(book_server):
    status, response, page = book_server.request("GET", "/")
    assert status == 200 and response.getheader("Content-Type") == "text/html; charset=utf-8"
    assert b'<canvas id="canvas"' in page
    assert "default-src 'self'" in response.getheader("Content-Security-Policy")
    linked = [name.decode() for name in re.findall(rb'(?:src|href)="([^"]+)"', page)]
    assert linked and all(link.startswith("/static/") for link in linked), linked
    for name in ["main.js", "draw.js", "learn.js", "plots.js", "i18n.js", "api.js", "style.css"]:
        status, response, content = book_server.request("GET", f"/static/{name}")
        assert status == 200, name
        text = content.decode()
        assert "http://" not in text and "https://" not in text and "//cdn" not in text, name


def test_test_digits_and_the_ones_the_model_gets_wrong(book_server, book_model, test_digits):
    x, t = test_digits
    status, digit = book_server.get("/api/digit?index=0")
    assert status == 200 and digit["label"] == 7
    np.testing.assert_array_equal(digit["pixels"], x[0])
    status, mistakes = book_server.get("/api/mistakes?limit=5")
    assert status == 200
    predicted = book_model.predict_classes(x.reshape(len(x), -1) / 255.0)
    assert mistakes["total"] == len(x) and mistakes["wrong"] == int((predicted != t).sum())
    assert len(mistakes["digits"]) == 5
    for wrong in mistakes["digits"]:
        assert wrong["label"] == t[wrong["index"]] != wrong["predicted"] == predicted[wrong["index"]]


def test_without_a_model_the_api_says_how_to_get_one(serve):
    with serve(App(None)) as client:
        status, model = client.get("/api/model")
        assert status == 200 and model["name"] is None and "zerodl train" in model["message"]
        status, answer = client.post("/api/predict", {"image": data_url(drawing(np.zeros((28, 28),
                                                                                    np.uint8)))})
        assert status == 404 and "Learn tab" in answer["error"]
        status, answer = client.get("/api/train")
        assert status == 200 and answer == {"state": "idle"}


def test_the_latest_run_folder_gives_the_default_model(tmp_path):
    assert latest_model(tmp_path / "runs") is None
    for i, name in enumerate(["b-old", "a-new"]):
        (tmp_path / "runs" / name).mkdir(parents=True)
        model = tmp_path / "runs" / name / "model.safetensors"
        model.write_bytes(b"")
        stamp = time.time() - 100 + i * 50
        os.utime(model, (stamp, stamp))
    assert latest_model(tmp_path / "runs") == tmp_path / "runs" / "a-new" / "model.safetensors"


@pytest.mark.parametrize("size", [(280, 280), (1, 1), (1, 500)])
def test_an_empty_pad_is_no_digit_and_says_so(book_server, size):
    empty = io.BytesIO()
    Image.new("RGBA", size).save(empty, "PNG")
    status, answer = book_server.post("/api/predict", {"image": data_url(empty.getvalue())})
    assert status == 200 and "blank" in answer["warning"] and len(answer["probabilities"]) == 10
