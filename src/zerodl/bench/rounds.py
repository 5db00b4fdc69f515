"""The parent side of `zerodl bench`: a worker process per contender and model, timed in
interleaved rounds, and the results gathered into one JSON-serialisable dict."""

from __future__ import annotations

import json
import logging
import os
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import numpy as np

from zerodl.bench.models import BATCH, MODELS, infer_flops, make_zerodl_model, train_flops
from zerodl.bench.steps import (
    CONTENDERS,
    TORCH_CONTENDERS,
    matmul_gflops,
    not_applicable,
    torch_available,
)
from zerodl.parallel import num_threads, numpy_blas

log = logging.getLogger("zerodl")

READY_TIMEOUT_S = 1800  # building, first calls (torch.compile compiles then) and warm-up
BLOCK_TIMEOUT_S = 600  # one block of timed steps
SRC = Path(__file__).resolve().parents[2]  # the folder holding this zerodl package
MEMORY = ("VmHWM (peak resident memory) of each worker process, one process per contender and"
          " model, read after all its steps; every worker also holds data of mnist-10k's size")


class WorkerFailed(Exception):
    """A worker that could not start, answered with an error, died or stopped answering."""


def worker_command(config: dict) -> list[str]:
    return [sys.executable, "-m", "zerodl.bench.worker", json.dumps(config)]


def worker_env(threads: int, cache: str | None = None) -> dict[str, str]:
    """The parent's environment, with every thread pool of the worker set to `threads`, this
    same zerodl first on the import path, and torch.compile's caches in `cache` (a fresh folder,
    so that its compile time is that of a first compile whatever ran before)."""
    path = os.environ.get("PYTHONPATH")
    env = dict(os.environ, ZERODL_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads),
               PYTHONPATH=str(SRC) + (os.pathsep + path if path else ""))
    if cache is not None:
        env.update(TORCHINDUCTOR_CACHE_DIR=os.path.join(cache, "inductor"),
                   TRITON_CACHE_DIR=os.path.join(cache, "triton"))
    return env


class Worker:
    """One worker process: requests to its stdin, replies read from its stdout by a thread (so
    that a wait can time out), its stderr kept in a temporary file for the reason of a failure."""

    def __init__(self, config: dict) -> None:
        self.stderr = tempfile.TemporaryFile()
        self.cache = (tempfile.TemporaryDirectory(prefix="zerodl-bench-compile-")
                      if config["contender"] == "torch-compile" else None)
        env = worker_env(config["threads"], self.cache.name if self.cache else None)
        self.process = subprocess.Popen(worker_command(config), stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=self.stderr, env=env)
        self.replies: queue.Queue = queue.Queue()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.replies.put(line)
        self.replies.put(None)

    def ask(self, request: dict | None, timeout: float) -> dict:
        """Send `request` (None: only wait for the next reply) and return the reply."""
        if request is not None:
            try:
                self.process.stdin.write((json.dumps(request) + "\n").encode())
                self.process.stdin.flush()
            except OSError:
                pass  # it has exited: the reply below is the end of its output
        try:
            line = self.replies.get(timeout=timeout)
        except queue.Empty:
            self.close()
            raise WorkerFailed(f"no answer within {timeout:.0f} s") from None
        if line is None:
            raise WorkerFailed(self._exit_reason())
        try:
            reply = json.loads(line)
        except ValueError:
            raise WorkerFailed("not the protocol: "
                               f"{line.decode(errors='replace').strip()[:80]!r}") from None
        if "error" in reply:
            raise WorkerFailed(reply["error"])
        return reply

    def _exit_reason(self) -> str:
        try:
            code = self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            code = "unknown"
        self.stderr.seek(0)
        lines = [ln.strip() for ln in self.stderr.read().decode(errors="replace").splitlines()
                 if ln.strip()]
        return f"the worker exited with status {code}" + (f": {lines[-1]}" if lines else "")

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self.reader.join(timeout=60)  # it reads up to the end of the output, then ends
        if not self.reader.is_alive():
            self.process.stdout.close()
        self.process.stdin.close()
        self.stderr.close()
        if self.cache is not None:
            self.cache.cleanup()


def spread(values: list[float]) -> dict:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def measure_model(name: str, contenders, *, rounds: int, repeats: int, warmup: int,
                  device: str, threads: int, gemm: dict) -> tuple[dict, dict]:
    """({contender: replies}, {contender: reason skipped}) of model `name`: every contender's
    worker started one after the other, then `rounds` rounds in each of which every worker
    times one block of training steps and one of inference (the order turning by one each
    round), then each worker's peak memory."""
    workers, measured, skipped = {}, {}, {}
    try:
        for contender in contenders:
            if reason := not_applicable(contender, name):
                skipped[contender] = reason
                continue
            if contender in TORCH_CONTENDERS and not torch_available():
                skipped[contender] = "PyTorch is not installed (pip install 'zerodl[bench]')"
                continue
            log.info("%s: starting %s", name, contender)
            config = {"contender": contender, "model": name, "device": device, "threads": threads,
                      "warmup": warmup}
            worker = Worker(config)
            try:
                ready = worker.ask(None, READY_TIMEOUT_S)
            except WorkerFailed as error:
                worker.close()
                skipped[contender] = str(error)
                continue
            if "gemm_gflops" in ready:
                gemm["torch"].append(ready["gemm_gflops"])
            workers[contender], measured[contender] = worker, {"ready": ready, "blocks": []}
        for r in range(rounds):
            log.info("%s: round %d of %d", name, r + 1, rounds)
            order = list(workers)
            turn = r % len(order) if order else 0
            for contender in order[turn:] + order[:turn]:
                try:
                    reply = workers[contender].ask({"op": "time", "repeats": repeats},
                                                   BLOCK_TIMEOUT_S)
                except WorkerFailed as error:
                    workers.pop(contender).close()
                    del measured[contender]
                    skipped[contender] = f"failed in round {r + 1}: {error}"
                    continue
                measured[contender]["blocks"].append(dict(reply, round=r))
        for contender, worker in list(workers.items()):
            try:
                measured[contender]["finish"] = worker.ask({"op": "finish"}, BLOCK_TIMEOUT_S)
            except WorkerFailed as error:
                measured[contender]["finish"] = {"error": str(error)}
    finally:
        for worker in workers.values():
            worker.close()
    return measured, skipped


def summarise(measured: dict, flops: dict, peak: float, memory: bool) -> dict:
    """Each contender's medians, spreads, rates and memory; zerodl's ratio to the best PyTorch
    contender (lowest median), overall and round by round."""
    rows = {}
    for contender, m in measured.items():
        row = {"version": m["ready"]["version"], "first_train_s": m["ready"]["first_train_s"],
               "first_infer_s": m["ready"]["first_infer_s"], "rounds": len(m["blocks"])}
        for kind in ("train", "infer"):
            ms = [1e3 * b[f"{kind}_s"] for b in m["blocks"]]
            s = spread(ms)
            row[f"{kind}_ms"], row[f"{kind}_ms_min"], row[f"{kind}_ms_max"] = s["median"], s["min"], s["max"]
            row[f"{kind}_ms_rounds"] = ms
            row[f"{kind}_img_s"] = BATCH / s["median"] * 1e3
            row[f"{kind}_gflops"] = flops[kind] / s["median"] / 1e6
            row[f"{kind}_peak_fraction"] = row[f"{kind}_gflops"] / peak
        finish = m.get("finish", {})
        row["peak_mib"] = finish.get("peak_mib") if memory else None
        row["data_mib"] = finish.get("data_mib") if memory else None
        row["device_mib"] = finish.get("device_mib") if memory else None
        if "error" in finish:
            row["finish_error"] = finish["error"]
        rows[contender] = row
    out = {"train_flops": flops["train"], "infer_flops": flops["infer"], "contenders": rows}
    for kind in ("train", "infer"):
        torch_rows = {c: r for c, r in rows.items() if c in TORCH_CONTENDERS}
        best = min(torch_rows, key=lambda c: torch_rows[c][f"{kind}_ms"]) if torch_rows else None
        out[f"best_{kind}"] = best
        ratio = ratio_min = ratio_max = None
        if best is not None and "zerodl" in rows:
            ours, theirs = measured["zerodl"]["blocks"], measured[best]["blocks"]
            by_round = {b["round"]: b[f"{kind}_s"] for b in theirs}
            per_round = [b[f"{kind}_s"] / by_round[b["round"]] for b in ours if b["round"] in by_round]
            ratio = rows["zerodl"][f"{kind}_ms"] / rows[best][f"{kind}_ms"]
            ratio_min, ratio_max = min(per_round), max(per_round)
        out[f"{kind}_ratio"], out[f"{kind}_ratio_min"], out[f"{kind}_ratio_max"] = ratio, ratio_min, ratio_max
    return out


def run_benchmark(models=MODELS, repeats: int = 7, warmup: int = 2, with_torch: bool = True,
                  memory: bool = True, device: str = "cpu", rounds: int = 5,
                  contenders=CONTENDERS) -> dict:
    """Measure every model on `device` with every contender, each in its own worker process
    (one per contender and model) on the same number of threads, in `rounds` interleaved rounds
    of `repeats` timed steps; returns a JSON-serialisable dict. Without `with_torch`, only
    zerodl among `contenders` is measured."""
    unknown = [c for c in contenders if c not in CONTENDERS]
    if not models:
        raise ValueError("no model to measure")
    if unknown:
        raise ValueError(f"unknown contender(s) {', '.join(unknown)}: use {', '.join(CONTENDERS)}")
    contenders = [c for c in CONTENDERS if c in contenders and (with_torch or c == "zerodl")]
    threads = num_threads()
    gemm = {"numpy": [], "torch": []}
    results = {"batch_size": BATCH, "dtype": "float32", "threads": threads, "device": device,
               "rounds": rounds, "repeats": repeats, "warmup": warmup, "contenders": contenders,
               "torch_requested": with_torch, "numpy": np.__version__, "torch": None,
               "memory": MEMORY if memory else None, "models": {}}
    raw = {}
    for name in models:
        gemm["numpy"].append(matmul_gflops(device, threads=threads))
        raw[name] = measure_model(name, contenders, rounds=rounds, repeats=repeats, warmup=warmup,
                                  device=device, threads=threads, gemm=gemm)
    # the best rate of NumPy's matrix product (measured before each model) and of PyTorch's
    # (in each of its workers): a peak is the best of several tries on a noisy machine
    rates = {k: max(v) for k, v in gemm.items() if v}
    peak = max(rates.values())
    results.update(matmul_gflops=rates["numpy"], gemm_gflops=rates, gemm_peak_gflops=peak,
                   numpy_blas=numpy_blas() if device == "cpu" else None)
    for name, (measured, skipped) in raw.items():
        net = make_zerodl_model(name)
        flops = {"train": train_flops(net, name), "infer": infer_flops(net, name)}
        row = summarise(measured, flops, peak, memory)
        row["skipped"] = skipped
        results["models"][name] = row
        for contender, m in measured.items():
            if contender != "zerodl":
                results["torch"] = m["ready"]["version"]
    return results
