"""The contenders of `zerodl bench`: a training step and an inference pass of one model in
zerodl or in PyTorch (eager, channels_last, torch.compile); their timing; the float32 matrix
product's rate; and a process's peak memory."""

from __future__ import annotations

import contextlib
import importlib.util
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits

from zerodl import __version__
from zerodl.backend import array_module
from zerodl.bench.models import CONVOLUTIONAL, batch, make_torch_model, make_zerodl_model
from zerodl.optimizers import Adam

try:
    import resource  # Unix only
except ImportError:
    resource = None

CONTENDERS = ("zerodl", "torch-eager", "torch-channels-last", "torch-compile")
TORCH_CONTENDERS = CONTENDERS[1:]


@dataclass
class Steps:
    """One contender's training step and inference pass of one model, how to wait for a GPU to
    finish what they queued, the framework's version and the model (zerodl's or PyTorch's)."""

    train: Callable[[], object]
    infer: Callable[[], object]
    sync: Callable[[], object]
    version: str
    model: object = None


def median_seconds(step: Callable[[], object], warmup: int, repeats: int,
                   sync: Callable[[], object] = lambda: None) -> float:
    """Median wall time of step(); `sync` waits for a GPU to finish queued work."""
    for _ in range(warmup):
        step()
    sync()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        sync()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def torch_available() -> bool:
    """Whether PyTorch can be imported (found without importing it)."""
    return importlib.util.find_spec("torch") is not None


def not_applicable(contender: str, name: str) -> str | None:
    """Why `contender` has nothing of its own to measure on model `name`, or None."""
    if contender == "torch-channels-last" and name not in CONVOLUTIONAL:
        return ("n/a: no convolutions, so the same as torch-eager (a 2-D tensor has no"
                " channels_last layout)")
    return None


def contender_steps(contender: str, name: str, device: str = "cpu") -> Steps:
    if contender == "zerodl":
        return zerodl_steps(name, device)
    if contender in TORCH_CONTENDERS:
        return torch_steps(name, device, contender.removeprefix("torch-"))
    raise ValueError(f"unknown contender '{contender}': use one of {', '.join(CONTENDERS)}")


def zerodl_steps(name: str, device: str = "cpu") -> Steps:
    """zerodl's Adam training step and inference pass of `name` on `device`."""
    xp = array_module(device)
    net, optimizer = make_zerodl_model(name).to(device), Adam(lr=0.001)
    x, t = batch(name, np.random.default_rng(0))
    x = xp.asarray(x)

    def train():
        _, grads = net.loss_and_gradient(x, t)
        optimizer.update(net.params, grads)

    sync = xp.cuda.Stream.null.synchronize if device == "cuda" else (lambda: None)
    return Steps(train, lambda: net.predict(x, train_flg=False), sync, __version__, net)


def torch_steps(name: str, device: str = "cpu", variant: str = "eager") -> Steps:
    """PyTorch's Adam training step and inference pass of the same model on `device`: `variant`
    is "eager", "channels-last" (model and input in torch.channels_last memory format) or
    "compile" (torch.compile of the eager model, default mode; it compiles on the first call of
    each step)."""
    # optional: pip install 'zerodl[bench]'
    import torch

    if variant not in ("eager", "channels-last", "compile"):
        raise ValueError(f"unknown PyTorch variant '{variant}'")
    model = make_torch_model(name).to(device)
    x_np, t_np = batch(name, np.random.default_rng(0))
    x, t = torch.from_numpy(x_np).to(device), torch.from_numpy(t_np).to(device)
    if variant == "channels-last":
        model = model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    forward = torch.compile(model) if variant == "compile" else model
    optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
    loss_fn = torch.nn.CrossEntropyLoss()
    training = [None]

    def mode(train: bool) -> None:
        if training[0] is not train:  # model.train() walks every module: only on a change
            model.train(train)
            training[0] = train

    def train():
        mode(True)
        optimizer.zero_grad()
        loss_fn(forward(x), t).backward()
        optimizer.step()

    def infer():
        mode(False)
        with torch.no_grad():
            return forward(x)

    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    return Steps(train, infer, sync, torch.__version__, model)


def matmul_gflops(device: str = "cpu", size: int = 1024, repeats: int = 5,
                  threads: int | None = None) -> float:
    """The float32 matrix-multiply rate of NumPy's BLAS on `threads` threads (default: BLAS's
    own setting), or of CuPy's cuBLAS, in GFLOP/s."""
    xp = array_module(device)
    rng = np.random.default_rng(0)
    a = xp.asarray(rng.random((size, size), dtype=np.float32))
    b = xp.asarray(rng.random((size, size), dtype=np.float32))
    sync = xp.cuda.Stream.null.synchronize if device == "cuda" else (lambda: None)
    blas_threads = (threadpool_limits(limits=threads, user_api="blas")
                    if device == "cpu" and threads is not None else contextlib.nullcontext())
    with blas_threads:
        seconds = median_seconds(lambda: a @ b, warmup=2, repeats=repeats, sync=sync)
    return 2.0 * size**3 / seconds / 1e9


def torch_matmul_gflops(device: str = "cpu", size: int = 1024, repeats: int = 5) -> float:
    """The same rate for torch.matmul, on PyTorch's current number of threads."""
    # optional: pip install 'zerodl[bench]'
    import torch

    generator = torch.Generator().manual_seed(0)
    a = torch.rand(size, size, generator=generator).to(device)
    b = torch.rand(size, size, generator=generator).to(device)
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    seconds = median_seconds(lambda: a @ b, warmup=2, repeats=repeats, sync=sync)
    return 2.0 * size**3 / seconds / 1e9


def peak_host_mib() -> float | None:
    """This process's peak resident memory in MiB: Linux's VmHWM, else getrusage's maximum."""
    # VmHWM is this program's own peak: unlike ru_maxrss it does not count the parent's pages
    # that a forked child holds before exec
    with contextlib.suppress(OSError), open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # in KiB
    if resource is None:
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024  # bytes there, KiB here


def peak_device_mib(contender: str, device: str) -> float | None:
    """GPU memory that the framework's caching allocator held at its peak, in MiB (None on the
    CPU): CuPy's pool keeps every block it allocated, PyTorch reports its reserved peak."""
    if device != "cuda":
        return None
    if contender == "zerodl":
        return array_module(device).get_default_memory_pool().total_bytes() / 2**20
    # optional: pip install 'zerodl[bench]'
    import torch

    return torch.cuda.max_memory_reserved() / 2**20
