"""A `zerodl serve` server on a free port of 127.0.0.1, in a thread of the test process, and a
client for it on the standard library's http.client."""

from __future__ import annotations

import contextlib
import http.client
import json
import threading

import pytest

from zerodl.book_weights import import_book_model
from zerodl.serve import App, Server


class Client:
    """Requests to one server; each answer is (status, headers, body as JSON where it is)."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.host, self.port = server.server_address[:2]
        self.url = server.url

    def request(self, method: str, path: str, body: bytes | None = None, headers=None,
                timeout: float = 60):
        connection = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            content = response.read()
        finally:
            connection.close()
        kind = response.getheader("Content-Type", "")
        return (response.status, response,
                json.loads(content) if kind.startswith("application/json") else content)

    def get(self, path: str):
        status, _, body = self.request("GET", path)
        return status, body

    def post(self, path: str, payload=None):
        data = json.dumps({} if payload is None else payload).encode()
        status, _, body = self.request("POST", path, data, {"Content-Type": "application/json"})
        return status, body

    def events(self, path: str = "/api/train/events", timeout: float = 120):
        """The JSON events of a server-sent event stream, as they come, until it ends."""
        connection = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            assert response.status == 200
            assert response.getheader("Content-Type").startswith("text/event-stream")
            for line in response:
                if line.startswith(b"data: "):
                    yield json.loads(line[6:])
        finally:
            connection.close()


@contextlib.contextmanager
def serving(app: App):
    """The app served on a free port while the block runs."""
    server = Server(app, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Client(server)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


@pytest.fixture(scope="session")
def serve():
    """serve(app): a context manager that serves `app` and gives a Client for it."""
    return serving


@pytest.fixture(scope="session")
def book_model(data_dir):
    return import_book_model(data_dir.parent / "book" / "sample_weight.pkl", "three-layer")


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    return tmp_path_factory.mktemp("runs")


@pytest.fixture(scope="module")
def book_server(book_model, mnist10k, runs):
    """The book's three-layer network, with MNIST's test digits (mnist-10k)."""
    with serving(App(book_model, source="book.safetensors", dataset=str(mnist10k),
                     runs_dir=runs)) as client:
        yield client
