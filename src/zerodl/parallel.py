"""Chunks of a batch shared among the CPU's cores.

NumPy copies and element-wise operations run on one core, and OpenBLAS splits each matrix product
across all of them. A convolution done a few images at a time (im2col, then a product, per chunk)
alternates the two, leaving a core idle during every copy. It is faster to give each core whole
chunks: each thread runs its chunks' copies and single-threaded products, and NumPy and OpenBLAS
release the GIL while they work, so the threads really run side by side. While a network with
such layers computes, BLAS is held to one thread (one_blas_thread), so the cores are zerodl's to
share out.

The number of threads is $ZERODL_NUM_THREADS, else the number of cores this process may use.
The results of such a network do not depend on it (see one_blas_thread).
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from itertools import pairwise
from typing import TypeVar

import numpy as np
from threadpoolctl import ThreadpoolController, threadpool_info

from zerodl.backend import get_array_module
from zerodl.errors import ZerodlError

T = TypeVar("T")
R = TypeVar("R")

_state = threading.local()
_pool: ThreadPoolExecutor | None = None
_pool_size = 0
_pool_lock = threading.Lock()
_blas = None
_blas_lock = threading.Lock()
_blas_users = 0
_blas_limit = None


def num_threads() -> int:
    """$ZERODL_NUM_THREADS, else the number of cores this process may run on."""
    value = os.environ.get("ZERODL_NUM_THREADS")
    if value is None:
        return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    if not value.isdigit() or int(value) < 1:
        raise ZerodlError(f"ZERODL_NUM_THREADS={value!r}: expected a whole number of threads, at least 1")
    return int(value)


def _blas_pool() -> dict | None:
    return next((pool for pool in threadpool_info() if pool.get("user_api") == "blas"), None)


def numpy_blas() -> str | None:
    """Which BLAS NumPy's products run on, with the kernels it chose for this processor, e.g.
    'openblas 0.3.31, SkylakeX kernels'; None before NumPy has loaded one.

    OpenBLAS picks its kernels when it loads, from the processor or from $OPENBLAS_CORETYPE:
    on an AVX-512 processor, SkylakeX's kernels compute float32 products about twice as fast as
    Haswell's, so a table of speeds says which ran."""
    pool = _blas_pool()
    if pool is None:
        return None
    kernels = pool.get("architecture")
    return f"{pool.get('internal_api')} {pool.get('version')}" + (f", {kernels} kernels" if kernels else "")


def blas_thread_count() -> int | None:
    """How many threads BLAS shares each large product among now; None without a BLAS.

    It is part of the arithmetic: OpenBLAS's float32 products can round differently on one
    thread and on two (a (100, 784) @ (784, 100) product does, on its Haswell kernels), so a
    training run is repeated bit for bit only on as many BLAS threads as it first ran on."""
    pool = _blas_pool()
    return None if pool is None else pool.get("num_threads")


def batch_slices(x, chunk_bytes: int, per_byte: int = 1) -> list[slice]:
    """Slices of x's first axis, each covering about chunk_bytes of working data, where an
    image's working data is per_byte times its size in bytes (a convolution's patches: FH*FW).

    Their sizes differ by at most one, and their number is a multiple of four (or one slice per
    image, for a small batch), so that two or four cores get equal shares. A GPU array gets one
    slice: a GPU wants the whole batch at once.
    """
    n = x.shape[0]
    if get_array_module(x) is not np or n == 0:
        return [slice(0, n)]
    bytes_per_image = x.nbytes // n * per_byte
    count = min(n, 4 * -(-n * bytes_per_image // (4 * chunk_bytes)))
    return [slice(a, b) for a, b in _even_split(n, count)]


def _even_split(n: int, parts: int) -> list[tuple[int, int]]:
    """(start, stop) of `parts` consecutive ranges covering range(n), sizes differing by at most 1."""
    return list(pairwise(n * k // parts for k in range(parts + 1)))


def map_chunks(fn: Callable[[T], R], chunks: Sequence[T]) -> list[R]:
    """[fn(chunk) for chunk in chunks], in that order, the chunks shared among num_threads()
    threads whose matrix products each run on one core.

    Inside a worker (fn itself calling map_chunks) the chunks run in a plain loop: a worker
    waiting on the pool it belongs to could wait forever.
    """
    threads = min(num_threads(), len(chunks))
    if threads <= 1 or getattr(_state, "in_worker", False):
        return [fn(chunk) for chunk in chunks]
    # Each thread takes one run of consecutive chunks (neighbouring images, neighbouring
    # memory), and the calling thread takes the first run itself rather than wait idle.
    runs = [chunks[a:b] for a, b in _even_split(len(chunks), threads)]

    def run(part: Sequence[T]) -> list[R]:
        _state.in_worker = True
        try:
            return [fn(chunk) for chunk in part]
        finally:
            _state.in_worker = False

    with one_blas_thread():
        others = [_get_pool(threads - 1).submit(run, part) for part in runs[1:]]
        try:
            results = run(runs[0])
        finally:
            # even when the first run failed: no thread may still be writing into the caller's
            # arrays once this returns
            wait(others)
        for future in others:
            results += future.result()
    return results


def _get_pool(threads: int) -> ThreadPoolExecutor:
    global _pool, _pool_size
    with _pool_lock:
        if _pool is None or _pool_size != threads:
            if _pool is not None:
                _pool.shutdown(wait=False)
            _pool, _pool_size = ThreadPoolExecutor(threads, thread_name_prefix="zerodl"), threads
        return _pool


@contextlib.contextmanager
def one_blas_thread():
    """A context in which BLAS computes each product on the calling thread alone.

    map_chunks needs it: two threads each asking OpenBLAS for every core would fight over them.
    Networks with such layers also enter it for a whole forward and backward pass, because
    OpenBLAS's own threads keep spinning for a while after each product they share in, taking a
    core from map_chunks's threads (a DeepConvNet step took 40% longer when only map_chunks entered it).
    It holds with ZERODL_NUM_THREADS=1 too, so that results do not depend on the number of
    threads: chunks are cut the same way whatever their number, each chunk's arithmetic is done
    by one thread, and chunk results are combined in chunk order. Nested entries cost nothing:
    only the outermost one changes BLAS's setting, and the last one out restores it.
    """
    global _blas, _blas_users, _blas_limit
    with _blas_lock:
        if _blas_users == 0:
            if _blas is None:
                _blas = ThreadpoolController()
            _blas_limit = _blas.limit(limits=1, user_api="blas")
        _blas_users += 1
    try:
        yield
    finally:
        with _blas_lock:
            _blas_users -= 1
            if _blas_users == 0:
                _blas_limit.restore_original_limits()


def _forget_pool() -> None:
    """A forked child inherits the pool object but not its threads, and locks that some other
    thread may have held at the fork: start afresh there."""
    global _pool, _pool_size, _pool_lock, _blas_lock
    _pool, _pool_size = None, 0
    _pool_lock, _blas_lock = threading.Lock(), threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)
