"""`zerodl bench`: training and inference speed of MLP, SimpleConvNet and DeepConvNet.

Each figure is the median of several timed repeats after a warm-up, at batch 100 in float32.
When PyTorch is installed, the same architectures run in PyTorch in the same process with the
same number of threads, and every figure gets a zerodl / PyTorch ratio beside it. Peak memory
is measured in a fresh subprocess per model and framework (the peak resident set of a process
that trains on data of mnist-10k's size; Linux only).
"""

from __future__ import annotations

import contextlib
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

import numpy as np

BATCH = 100
MODELS = ("mlp", "simple-conv", "deep-conv")


def make_zerodl_model(name: str, seed: int = 0):
    from zerodl.nets import DeepConvNet, MultiLayerNet, SimpleConvNet

    if name == "mlp":
        return MultiLayerNet(784, [100], 10, seed=seed)
    if name == "simple-conv":
        return SimpleConvNet(seed=seed)
    if name == "deep-conv":
        return DeepConvNet(seed=seed)
    raise ValueError(f"unknown benchmark model '{name}': use one of {', '.join(MODELS)}")


def make_torch_model(name: str):
    """The same architectures in PyTorch."""
    import torch.nn as nn

    if name == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 100), nn.ReLU(), nn.Linear(100, 10))
    if name == "simple-conv":
        return nn.Sequential(nn.Conv2d(1, 30, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                             nn.Linear(30 * 12 * 12, 100), nn.ReLU(), nn.Linear(100, 10))
    layers, channels = [], 1
    for i, (fn, pad) in enumerate(((16, 1), (16, 1), (32, 1), (32, 2), (64, 1), (64, 1)), 1):
        layers += [nn.Conv2d(channels, fn, 3, padding=pad), nn.ReLU()]
        channels = fn
        if i % 2 == 0:
            layers.append(nn.MaxPool2d(2))
    layers += [nn.Flatten(), nn.Linear(64 * 4 * 4, 50), nn.ReLU(), nn.Dropout(0.5),
               nn.Linear(50, 10), nn.Dropout(0.5)]
    return nn.Sequential(*layers)


def batch(name: str, rng: np.random.Generator):
    shape = (BATCH, 784) if name == "mlp" else (BATCH, 1, 28, 28)
    return rng.random(shape, dtype=np.float32), rng.integers(0, 10, BATCH)


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


def zerodl_steps(name: str, device: str = "cpu"):
    """(train step, inference step, network, sync) for zerodl on `device`."""
    from zerodl.backend import array_module
    from zerodl.optimizers import Adam

    xp = array_module(device)
    net, optimizer = make_zerodl_model(name).to(device), Adam(lr=0.001)
    x, t = batch(name, np.random.default_rng(0))
    x = xp.asarray(x)

    def train():
        _, grads = net.loss_and_gradient(x, t)
        optimizer.update(net.params, grads)

    sync = xp.cuda.Stream.null.synchronize if device == "cuda" else (lambda: None)
    return train, lambda: net.predict(x, train_flg=False), net, sync


def torch_steps(name: str, device: str = "cpu"):
    """(train step, inference step, sync) for the same model in PyTorch on `device`."""
    import torch

    model = make_torch_model(name).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
    loss_fn = torch.nn.CrossEntropyLoss()
    x_np, t_np = batch(name, np.random.default_rng(0))
    x, t = torch.from_numpy(x_np).to(device), torch.from_numpy(t_np).to(device)

    def train():
        model.train()
        optimizer.zero_grad()
        loss_fn(model(x), t).backward()
        optimizer.step()

    def infer():
        model.eval()
        with torch.no_grad():
            return model(x)

    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    return train, infer, sync


def train_flops(net, name: str) -> float:
    """Multiply-adds x 2 of one training step: forward, and backward's weight and input grads."""
    from zerodl.im2col import output_size
    from zerodl.layers import Affine, Convolution

    x, _ = batch(name, np.random.default_rng(0))
    net.predict(x)
    flops = 0.0
    for layer in net.layers.values():
        if isinstance(layer, Affine):
            forward = 2.0 * layer.x.shape[0] * layer.W.shape[0] * layer.W.shape[1]
        elif isinstance(layer, Convolution):
            N, _, H, W = layer.x.shape
            FH, FW = layer.W.shape[2:]
            positions = (N * output_size(H, FH, layer.stride, layer.pad)
                         * output_size(W, FW, layer.stride, layer.pad))
            forward = 2.0 * layer.W.size * positions
        else:
            continue
        needs_dx = getattr(layer, "needs_input_grad", True)
        flops += forward * (3 if needs_dx else 2)
    return flops


def matmul_gflops(device: str = "cpu", size: int = 1024, repeats: int = 5,
                  threads: int | None = None) -> float:
    """The float32 matrix-multiply rate of NumPy's BLAS on `threads` threads (default: BLAS's
    own setting), or of CuPy's cuBLAS, in GFLOP/s."""
    from threadpoolctl import threadpool_limits

    from zerodl.backend import array_module

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


MEMORY_PROBE = """
import sys
import numpy as np
framework, name, device = sys.argv[1], sys.argv[2], sys.argv[3]
from zerodl.bench import batch, torch_steps, zerodl_steps
rng = np.random.default_rng(0)
x_train = rng.random((10000, 1, 28, 28), dtype=np.float32)  # mnist-10k's training images
train = zerodl_steps(name, device)[0] if framework == "zerodl" else torch_steps(name, device)[0]
for _ in range(5):
    train()
# VmHWM is this program's own peak: unlike ru_maxrss it does not count the parent's pages that a
# forked child holds before exec
with open("/proc/self/status") as f:
    print(next(line.split()[1] for line in f if line.startswith("VmHWM")))
"""


def peak_memory_mib(framework: str, name: str, device: str = "cpu") -> float | None:
    """Peak resident (host) memory of a fresh process that trains `name` for a few steps."""
    result = subprocess.run([sys.executable, "-c", MEMORY_PROBE, framework, name, device],
                            capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        return None
    return int(result.stdout.split()[-1]) / 1024  # VmHWM is in KiB


def torch_available() -> bool:
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def run_benchmark(models=MODELS, repeats: int = 7, warmup: int = 2, with_torch: bool = True,
                  memory: bool = True, device: str = "cpu") -> dict:
    """Measure every model on `device`; returns a JSON-serialisable dict of results."""
    from zerodl.parallel import num_threads

    threads = num_threads()
    use_torch = with_torch and torch_available()
    if use_torch:
        import torch

        torch.set_num_threads(threads)
    rate = matmul_gflops(device, threads=threads)
    results = {"batch_size": BATCH, "dtype": "float32", "threads": threads, "device": device,
               "matmul_gflops": rate, "numpy": np.__version__, "torch": None, "models": {}}
    if use_torch:
        results["torch"] = torch.__version__
    for name in models:
        train, infer, net, sync = zerodl_steps(name, device)
        row = {"train_ms": 1e3 * median_seconds(train, warmup, repeats, sync),
               "infer_ms": 1e3 * median_seconds(infer, warmup, repeats, sync)}
        row["train_img_s"] = BATCH / row["train_ms"] * 1e3
        row["infer_img_s"] = BATCH / row["infer_ms"] * 1e3
        row["train_gflops"] = train_flops(net, name) / row["train_ms"] / 1e6
        row["matmul_fraction"] = row["train_gflops"] / rate
        if memory:
            row["peak_mib"] = peak_memory_mib("zerodl", name, device)
        if use_torch:
            t_train, t_infer, t_sync = torch_steps(name, device)
            row["torch_train_ms"] = 1e3 * median_seconds(t_train, warmup, repeats, t_sync)
            row["torch_infer_ms"] = 1e3 * median_seconds(t_infer, warmup, repeats, t_sync)
            row["train_ratio"] = row["train_ms"] / row["torch_train_ms"]
            row["infer_ratio"] = row["infer_ms"] / row["torch_infer_ms"]
            if memory:
                row["torch_peak_mib"] = peak_memory_mib("torch", name, device)
        results["models"][name] = row
    return results


def format_table(results: dict) -> str:
    lines = [f"{results['device']}: batch {results['batch_size']}, {results['dtype']},"
             f" threads: {results['threads']};"
             f" float32 matmul {results['matmul_gflops']:.1f} GFLOP/s;"
             f" NumPy {results['numpy']}, PyTorch {results['torch'] or 'not installed'}"]
    header = (f"{'model':12} {'train img/s':>11} {'ms/step':>8} {'infer img/s':>11}"
              f" {'GFLOP/s':>8} {'of matmul':>9} {'peak MiB':>8}")
    if results["torch"]:
        header += f" | {'torch ms/step':>13} {'ratio':>6} {'torch infer':>11} {'ratio':>6} {'torch MiB':>9}"
    lines.append(header)
    for name, r in results["models"].items():
        peak = f"{r['peak_mib']:.0f}" if r.get("peak_mib") else "-"
        line = (f"{name:12} {r['train_img_s']:11.0f} {r['train_ms']:8.1f} {r['infer_img_s']:11.0f}"
                f" {r['train_gflops']:8.1f} {r['matmul_fraction']:9.0%} {peak:>8}")
        if results["torch"]:
            tpeak = f"{r['torch_peak_mib']:.0f}" if r.get("torch_peak_mib") else "-"
            line += (f" | {r['torch_train_ms']:13.1f} {r['train_ratio']:6.2f}"
                     f" {BATCH / r['torch_infer_ms'] * 1e3:11.0f} {r['infer_ratio']:6.2f} {tpeak:>9}")
        lines.append(line)
    if results["torch"]:
        lines.append("ratio = zerodl time / PyTorch time (below 1: zerodl is faster)")
    return "\n".join(lines)


def write_json(results: dict, path) -> None:
    from zerodl.atomic import atomic_write_bytes

    atomic_write_bytes(path, (json.dumps(results, indent=2) + "\n").encode())
