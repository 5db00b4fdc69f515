"""`zerodl serve` as a user runs it: it answers on its port, finds the newest model of runs/,
says how to get a model when there is none, and stops on Ctrl-C."""

import http.client
import json
import re
import signal
import subprocess
import sys

import pytest

from zerodl.io import save_model


def start(args, cwd):
    """`zerodl serve ARGS` on a free port; returns the process, what it printed and its port."""
    process = subprocess.Popen([sys.executable, "-m", "zerodl", "serve", "--port", "0", *args],
                               cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = []
    while line := process.stdout.readline():
        lines.append(line.rstrip("\n"))
        if line.startswith("serving "):
            return process, lines, int(re.search(r":(\d+)/", line).group(1))
    process.kill()
    pytest.fail(f"zerodl serve did not start: {lines} {process.stderr.read()}")


def get(port: int, path: str):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def stop(process) -> int:
    process.send_signal(signal.SIGINT)
    return process.wait(timeout=30)


def test_serves_the_newest_model_of_runs_and_stops_on_ctrl_c(book_model, mnist10k, tmp_path):
    save_model(book_model, tmp_path / "runs" / "book" / "model.safetensors")
    process, lines, port = start(["--dataset", str(mnist10k)], tmp_path)
    try:
        assert lines[0] == "model: runs/book/model.safetensors (three-layer)"
        assert lines[1] == f"serving http://127.0.0.1:{port}/ (Ctrl-C stops)"
        status, page = get(port, "/")
        assert status == 200 and b'<canvas id="canvas"' in page
        status, model = get(port, "/api/model")
        assert json.loads(model)["name"] == "three-layer"
    finally:
        assert stop(process) == 0
    assert process.stdout.read() == "stopped\n" and process.stderr.read() == ""


def test_without_a_model_it_says_how_to_get_one_and_serves_the_learn_tab(tmp_path):
    process, lines, port = start([], tmp_path)
    try:
        assert "train one in the Learn tab, or with `zerodl train`" in lines[0]
        status, model = get(port, "/api/model")
        assert status == 200 and json.loads(model)["name"] is None
    finally:
        assert stop(process) == 0


@pytest.mark.parametrize("args, message", [
    (["--port", "70000"], "argument --port: must be from 0 to 65535, got 70000"),
    (["--model", "missing.safetensors"], "argument --model: missing.safetensors: no such file"),
    (["--dataset", "no-such-dataset"], "unknown dataset 'no-such-dataset'"),
])
def test_mistakes_end_with_one_line_and_status_2(tmp_path, args, message):
    result = subprocess.run([sys.executable, "-m", "zerodl", "serve", *args], cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and message in result.stderr


def test_a_port_in_use_is_said_in_one_line(tmp_path):
    process, _, port = start([], tmp_path)
    try:
        result = subprocess.run([sys.executable, "-m", "zerodl", "serve", "--port", str(port)],
                                cwd=tmp_path, capture_output=True, text=True, timeout=60)
        assert result.returncode == 2
        assert result.stderr.strip() == (f"zerodl: cannot listen on 127.0.0.1 port {port}:"
                                         " Address already in use")
    finally:
        stop(process)
