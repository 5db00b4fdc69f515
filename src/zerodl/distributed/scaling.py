"""How data-parallel training scales: what one step costs over N ranks, measured, and modelled.

A step over p ranks at a global batch of n samples is

    T(p) = T_compute(n / p) + T_allreduce(B, m, p)

where B is the number of bytes each rank puts into the step's m allreduces (one of every
gradient and the loss; five per BatchNormalization layer besides: DataParallel.allreduced_bytes
and allreduces_per_step). For the allreduce the usual cost model of a ring (or of MPICH's
reduce-scatter + allgather, the same terms) is

    T_allreduce(B, m, p) = 2 (p - 1) m alpha + 2 (p - 1) / p * B / beta

with alpha the latency of one message and beta the bandwidth of one link. measure_steps times
both terms on the ranks of a job; measure_allreduce times allreduces of several sizes, from
which fit_alpha_beta finds this machine's alpha and beta; predict_step puts measured compute
times and any alpha and beta (a network between hosts, say) into the model.
"""

from __future__ import annotations

import statistics
import time
from functools import partial

import numpy as np

from zerodl.distributed.communicator import Communicator
from zerodl.distributed.data_parallel import DataParallel
from zerodl.nets import DeepConvNet, MultiLayerNet, MultiLayerNetExtend, SimpleConvNet
from zerodl.optimizers import SGD

# the networks measured: name -> (how to build one, the shape of one input)
MODELS = {
    "mlp": (lambda: MultiLayerNet(784, [100], 10, seed=0), (784,)),
    "mlp-batchnorm": (lambda: MultiLayerNetExtend(784, [100, 100, 100], 10, seed=0,
                                                  use_batchnorm=True), (784,)),
    "simple-conv": (lambda: SimpleConvNet(seed=0), (1, 28, 28)),
    "deep-conv": (lambda: DeepConvNet(seed=0), (1, 28, 28)),
}
ALLREDUCE_SIZES = (1 << 10, 1 << 14, 1 << 18, 1 << 22)  # bytes of float32


def _median_seconds(comm: Communicator, step, warmup: int, repeats: int) -> float:
    """Median over repeats of the time from a common start until the slowest rank is done."""
    for _ in range(warmup):
        step()
    times = []
    for _ in range(repeats):
        comm.barrier()
        start = time.perf_counter()
        step()
        comm.barrier()
        times.append(time.perf_counter() - start)
    # every rank measured nearly the same span; rank 0's figure is the one reported
    return comm.broadcast(statistics.median(times))


def measure_steps(comm: Communicator, models, batch: int = 100, warmup: int = 2,
                  repeats: int = 10) -> dict[str, dict]:
    """Per model: the seconds of one training step (forward, backward, allreduce, SGD update)
    at a global batch of `batch` shared by the ranks of `comm`, the seconds of its allreduce
    alone, and the bytes that each rank allreduces per step. Collective: every rank calls it."""
    return {name: _measure_model(comm, name, batch, warmup, repeats) for name in models}


def _measure_model(comm: Communicator, name: str, batch: int, warmup: int, repeats: int) -> dict:
    build, shape = MODELS[name]
    network = build()
    parallel, optimizer = DataParallel(network, comm), SGD(lr=0.01)
    rng = np.random.default_rng(0)  # the same global batch on every rank
    x = rng.random((batch, *shape), dtype=np.float32)
    t = rng.integers(0, 10, batch)

    def step():
        _, grads = parallel.loss_and_gradient(x, t)
        optimizer.update(network.params, grads)

    sent = parallel.allreduced_bytes()
    gradients = np.zeros(sent["gradients"] // np.dtype(network.dtype).itemsize, network.dtype)
    return {"ranks": comm.size, "batch": batch, "bytes": sent,
            "allreduces": parallel.allreduces_per_step(),
            "step_s": _median_seconds(comm, step, warmup, repeats),
            "allreduce_s": _median_seconds(comm, partial(comm.sum_, gradients), warmup, repeats)}


def measure_allreduce(comm: Communicator, sizes=ALLREDUCE_SIZES, repeats: int = 20) -> dict[int, float]:
    """Seconds of one in-place allreduce of float32 buffers of `sizes` bytes over `comm`."""
    return {size: _median_seconds(comm, partial(comm.sum_, np.zeros(size // 4, np.float32)), 2,
                                  repeats)
            for size in sizes}


def fit_alpha_beta(times: dict[int, float], ranks: int) -> tuple[float, float]:
    """(alpha seconds, beta bytes per second) of the allreduce model fitted by least squares to
    measured (bytes, seconds) of `ranks` ranks; needs two sizes at least and ranks > 1."""
    if ranks < 2 or len(times) < 2:
        raise ValueError("fitting the allreduce model needs 2 ranks or more and 2 sizes or more")
    sizes = np.array(list(times), dtype=np.float64)
    seconds = np.array(list(times.values()), dtype=np.float64)
    design = np.stack([np.full_like(sizes, 2 * (ranks - 1)), 2 * (ranks - 1) / ranks * sizes], 1)
    (alpha, inverse_beta), *_ = np.linalg.lstsq(design, seconds, rcond=None)
    return max(float(alpha), 0.0), 1.0 / max(float(inverse_beta), 1e-18)


def allreduce_seconds(nbytes: float, ranks: int, alpha: float, beta: float,
                      messages: int = 1) -> float:
    """The model's time of `messages` allreduces of `nbytes` in all over `ranks` ranks."""
    if ranks < 2:
        return 0.0
    return 2 * (ranks - 1) * messages * alpha + 2 * (ranks - 1) / ranks * nbytes / beta


def predict_step(compute_s: float, nbytes: float, ranks: int, alpha: float, beta: float,
                 messages: int = 1) -> float:
    """The model's seconds of one step over `ranks` ranks, given the compute seconds of the
    whole global batch in one process: the compute is shared evenly, the allreduces are added."""
    return compute_s / ranks + allreduce_seconds(nbytes, ranks, alpha, beta, messages)
