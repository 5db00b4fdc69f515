"""The worker process of `zerodl bench`: one contender on one model, driven by the parent.

    python -m zerodl.bench.worker '{"contender": "torch-eager", "model": "mlp", ...}'

The protocol is one JSON object per line, requests on stdin and replies on stdout; nothing
else reaches stdout (what a library prints there goes to stderr instead). Once started, the
worker builds the model, calls each step once (timed: a torch.compile contender compiles
then) and `warmup` more times, and replies

    {"ready": true, "version": ..., "first_train_s": ..., "first_infer_s": ..., "gemm_gflops": ...}

(gemm_gflops, from a PyTorch worker only, is the rate of torch's float32 matrix product on
its threads). Then:

    {"op": "time", "repeats": R}  ->  {"train_s": ..., "infer_s": ...}
        one untimed step, then the median of R timed steps; training first, then inference
    {"op": "finish"}              ->  {"peak_mib": ..., "data_mib": ..., "device_mib": ...}
        peak_mib is this process's peak resident memory (VmHWM) after all its steps, data_mib
        the part of it that is data of mnist-10k's size (held by every worker alike),
        device_mib the GPU memory of the framework's allocator at its peak; then it exits

Any failure is answered {"error": "one line"}, after which the worker exits.
"""

from __future__ import annotations

import json
import os
import sys
import time

import numpy as np
from threadpoolctl import threadpool_limits

from zerodl.bench.steps import (
    CONTENDERS,
    contender_steps,
    median_seconds,
    peak_device_mib,
    peak_host_mib,
    torch_matmul_gflops,
)

# the training images of mnist-10k: every worker holds data of that size, as a real run would
TRAIN_IMAGES = (10000, 1, 28, 28)


def one_line(error: BaseException) -> str:
    """An exception as one line: its type and the first line of its message."""
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0]}" if text else type(error).__name__


def start(config: dict):
    """The contender's steps, after their first calls and warm-up; and the ready reply."""
    device, threads = config.get("device", "cpu"), int(config["threads"])
    if config["contender"] not in CONTENDERS:
        raise ValueError(f"unknown contender '{config['contender']}': use one of {', '.join(CONTENDERS)}")
    torch_side = config["contender"] != "zerodl"
    if torch_side:
        # optional: pip install 'zerodl[bench]'
        import torch

        torch.set_num_threads(threads)
    steps = contender_steps(config["contender"], config["model"], device)
    ready = {"ready": True, "version": steps.version}
    for kind, step in (("train", steps.train), ("infer", steps.infer)):
        begin = time.perf_counter()
        step()
        steps.sync()
        ready[f"first_{kind}_s"] = time.perf_counter() - begin
    for _ in range(int(config.get("warmup", 2))):
        steps.train()
        steps.infer()
    steps.sync()
    if torch_side:
        ready["gemm_gflops"] = torch_matmul_gflops(device)
    return steps, ready


def serve(config: dict, requests, replies) -> int:
    """Answer the parent's requests (file-like, one JSON object a line) until it says finish."""

    def send(message: dict) -> None:
        replies.write(json.dumps(message) + "\n")
        replies.flush()

    data = np.random.default_rng(0).random(TRAIN_IMAGES, dtype=np.float32)  # held to the end
    try:
        steps, ready = start(config)
        send(ready)
        while line := requests.readline():
            request = json.loads(line)
            if request["op"] == "time":
                repeats = int(request["repeats"])
                send({f"{kind}_s": median_seconds(step, 1, repeats, steps.sync)
                      for kind, step in (("train", steps.train), ("infer", steps.infer))})
            elif request["op"] == "finish":
                send({"peak_mib": peak_host_mib(), "data_mib": data.nbytes / 2**20,
                      "device_mib": peak_device_mib(config["contender"], config.get("device", "cpu"))})
                return 0
            else:
                raise ValueError(f"unknown request {request['op']!r}")
    except Exception as error:  # every failure is one line for the parent's "skipped"
        send({"error": one_line(error)})
        return 1
    return 0


def main() -> int:
    config = json.loads(sys.argv[1])
    replies = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # whatever else writes to stdout (a library, a compiler) goes to stderr
    sys.stdout = sys.stderr
    # NumPy's BLAS on the same number of threads as every other contender
    with threadpool_limits(limits=int(config["threads"]), user_api="blas"):
        return serve(config, sys.stdin, replies)


if __name__ == "__main__":
    sys.exit(main())
