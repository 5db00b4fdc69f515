"""The HTTP side of `zerodl serve`: the standard library's ThreadingHTTPServer, a thread a request.

Safe by default:

- It listens on 127.0.0.1, and while it listens on a loopback address it answers only requests
  addressed to one (the Host header): a web page elsewhere cannot reach it through a DNS name of
  its own that points at 127.0.0.1 (DNS rebinding).
- A POST must come from the page itself: a browser names the page that sends a request
  (Origin), and one from another site is refused. A body is JSON (application/json, which a
  page of another site cannot send without asking first) of at most MAX_BODY bytes.
- It sends only the files of its own page, read from the package when it starts: a path is
  looked up in that table, never joined to a folder, so no request reaches another file.
- A client that sends nothing for TIMEOUT seconds is dropped. An error in answering a request is
  answered (500) and logged; the server goes on.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import socket
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.resources import files
from urllib.parse import parse_qs, urlsplit

from zerodl.errors import ZerodlError
from zerodl.serve.app import App, one_line
from zerodl.serve.checks import RequestError, bad

log = logging.getLogger("zerodl.serve")

MAX_BODY = 4 << 20  # a 280x280 drawing is about 20 KB; a photo of a digit a few MB
TIMEOUT = 30.0
CONTENT_TYPES = {".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
                 ".js": "text/javascript; charset=utf-8", ".svg": "image/svg+xml"}
# Nothing the page loads may come from anywhere but this server.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data: blob:; base-uri 'none';"
                               " form-action 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def page_files() -> dict[str, tuple[bytes, str]]:
    """The page's files from the package's static/ folder: {name: (content, content type)}."""
    folder = files("zerodl.serve").joinpath("static")
    table = {}
    for item in folder.iterdir():
        kind = CONTENT_TYPES.get("." + item.name.rpartition(".")[2])
        if item.is_file() and kind:
            table[item.name] = (item.read_bytes(), kind)
    return table


def _is_loopback(host: str) -> bool:
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name
        return False


def _control(action: str):
    """A POST that pauses, resumes or stops the training run, and answers with its status."""
    def run(app: App, _body: dict) -> dict:
        session = app.session()
        getattr(session, action)()
        return session.status()
    return run


# (method, path) -> (status of a success, what answers it with the request's query or body)
API = {
    ("GET", "/api/model"): (200, lambda app, _: app.model_info()),
    ("GET", "/api/options"): (200, lambda app, _: app.options()),
    ("GET", "/api/digit"): (200, lambda app, query: app.digit(query)),
    ("GET", "/api/mistakes"): (200, lambda app, query: app.mistakes(query)),
    ("GET", "/api/train"): (200, lambda app, _: app.training_status()),
    ("POST", "/api/predict"): (200, lambda app, body: app.predict(body)),
    ("POST", "/api/train"): (202, lambda app, body: app.start_training(body)),
    ("POST", "/api/train/pause"): (200, _control("pause")),
    ("POST", "/api/train/resume"): (200, _control("resume")),
    ("POST", "/api/train/stop"): (200, _control("stop")),
    ("POST", "/api/model/save"): (200, lambda app, _: app.save()),
}
EVENTS = "/api/train/events"


def query_values(query: str) -> dict:
    """A URL's query as {key: last value}, whole numbers as ints (the API's checks want them)."""
    values = {k: v[-1] for k, v in parse_qs(query).items()}
    return {k: int(v) if v.isdecimal() and len(v) < 10 else v for k, v in values.items()}


class Handler(BaseHTTPRequestHandler):
    server_version = "zerodl-serve"
    timeout = TIMEOUT
    server: Server

    def do_GET(self) -> None:
        self._answer("GET")

    def do_POST(self) -> None:
        self._answer("POST")

    def _answer(self, method: str) -> None:
        self._responded = False
        url = urlsplit(self.path)
        try:
            self._check_host()
            if method == "POST":
                self._check_origin()
            if (method, url.path) in API:
                status, answer = API[method, url.path]
                args = query_values(url.query) if method == "GET" else self._body()
                self._send_json(status, answer(self.server.app, args))
            elif method == "GET" and url.path == EVENTS:
                self._stream_events(query_values(url.query))
            elif method == "GET" and (url.path == "/" or url.path.startswith("/static/")):
                self._send_file(url.path.removeprefix("/static/") if url.path != "/" else "index.html")
            elif any(path == url.path for _, path in API):
                raise RequestError(405, f"{method} is not how {url.path} is used")
            else:
                raise RequestError(404, f"nothing at {url.path[:80]}")
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            self.close_connection = True  # the client went away: no one to answer
        except RequestError as e:
            self._send_error(e.status, str(e))
        except ZerodlError as e:
            self._send_error(400, one_line(e))
        except Exception:
            log.exception("error in %s %s", method, url.path)
            self._send_error(500, "internal error (the server's log says more)")

    # -- checks ----------------------------------------------------------------------------------
    def _check_host(self) -> None:
        hosts = self.server.allowed_hosts
        if hosts is not None and self.headers.get("Host", "") not in hosts:
            raise RequestError(403, "this server answers only requests addressed to"
                                    f" {sorted(hosts)[0]} (the Host header)")

    def _check_origin(self) -> None:
        origin = self.headers.get("Origin")
        if origin is not None and origin != f"http://{self.headers.get('Host', '')}":
            raise RequestError(403, "a request from another site's page is refused")

    def _body(self) -> dict:
        """The JSON object a POST sends; {} for none."""
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True
            raise RequestError(411, "send the body with a Content-Length")
        length = self.headers.get("Content-Length", "0")
        if not length.isdecimal():
            self.close_connection = True
            raise bad(f"Content-Length {length[:20]!r} is not a number of bytes")
        if int(length) > MAX_BODY:
            self.close_connection = True  # the body is not read
            raise RequestError(413, f"the body is {int(length):,} bytes, more than the limit of"
                                    f" {MAX_BODY:,}")
        if int(length) == 0:
            return {}
        kind = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        raw = self.rfile.read(int(length))
        if kind != "application/json":
            raise RequestError(415, f"the body must be application/json, not {kind[:40]!r}")
        try:
            body = json.loads(raw)
        except (ValueError, RecursionError) as e:  # JSONDecodeError is a ValueError
            raise bad(f"the body is not JSON ({str(e)[:80]})") from None
        if not isinstance(body, dict):
            raise bad("the body must be a JSON object")
        return body

    # -- answers ---------------------------------------------------------------------------------
    def end_headers(self) -> None:
        for name, value in SECURITY_HEADERS.items():
            self.send_header(name, value)
        super().end_headers()

    def _send(self, status: int, content: bytes, kind: str) -> None:
        self._responded = True
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    def _send_json(self, status: int, payload) -> None:
        self._send(status, json.dumps(payload, ensure_ascii=False).encode(),
                   "application/json; charset=utf-8")

    def _send_error(self, status: int, message: str) -> None:
        if self._responded:  # a stream had begun: it can only be cut short
            self.close_connection = True
        else:
            self._send_json(status, {"error": message})

    def _send_file(self, name: str) -> None:
        if name not in self.server.page:
            raise RequestError(404, f"the page has no file {name[:80]!r}")
        self._send(200, *self.server.page[name])

    def _stream_events(self, query: dict) -> None:
        """The training run's events as server-sent events, from the first (or the one after
        Last-Event-ID, which a browser sends when it reconnects) until the run is over."""
        session = self.server.app.session()
        last = self.headers.get("Last-Event-ID", "")
        start = int(last) + 1 if last.isdecimal() else query.get("from", 0)
        if not isinstance(start, int):
            raise bad(f"from: expected an event number, got {start[:20]!r}")
        self._responded = True
        self.close_connection = True  # the stream ends when the run does
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.end_headers()
        self.wfile.write(b"retry: 2000\n\n")
        for event in session.follow(start):
            if event is None:  # nothing new for a while: a comment, which readers ignore
                self.wfile.write(b": waiting\n\n")
            else:
                self.wfile.write(f"id: {event['id']}\ndata: {json.dumps(event)}\n\n".encode())

    def log_message(self, format: str, *args) -> None:
        log.debug("%s %s", self.address_string(), format % args)


class Server(ThreadingHTTPServer):
    """The page and its API for `app`, on host:port (port 0: any free port)."""

    daemon_threads = True

    def __init__(self, app: App, host: str = "127.0.0.1", port: int = 8000) -> None:
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.app = app  # before binding, which closes the server (and so the app) if it fails
        self.page = page_files()
        super().__init__((host, port), Handler)
        name = f"[{host}]" if ":" in host else host
        self.url = f"http://{name}:{self.server_port}/"
        self.allowed_hosts = ({f"{h}:{self.server_port}" for h in
                               ("localhost", "127.0.0.1", "[::1]", name)}
                              if _is_loopback(host) else None)

    def handle_error(self, request, client_address) -> None:
        # A client that hangs up before reading its answer is no error of the server's. The
        # handler catches that where it writes; it ends up here from http.server's own error
        # replies, such as the one to a request line too long to read.
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            log.debug("%s hung up before reading its answer", client_address[0])
            return
        log.exception("error in a request from %s", client_address[0])

    def server_close(self) -> None:
        super().server_close()
        self.app.close()
