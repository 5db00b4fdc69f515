import multiprocessing
import threading
import time

import numpy as np
import pytest
from threadpoolctl import threadpool_info

from zerodl.errors import ZerodlError
from zerodl.layers import Convolution
from zerodl.nets import DeepConvNet, SimpleConvNet
from zerodl.parallel import batch_slices, map_chunks, num_threads, one_blas_thread


def test_map_chunks_keeps_order_and_shares_the_work(monkeypatch):
    monkeypatch.setenv("ZERODL_NUM_THREADS", "2")
    seen = []

    def square(i):
        seen.append(threading.get_ident())
        time.sleep(0.01)
        return i * i

    assert map_chunks(square, list(range(8))) == [i * i for i in range(8)]
    assert len(set(seen)) == 2 and threading.get_ident() in seen


def test_map_chunks_with_one_thread_stays_on_the_caller(monkeypatch):
    monkeypatch.setenv("ZERODL_NUM_THREADS", "1")
    assert set(map_chunks(lambda _: threading.get_ident(), range(5))) == {threading.get_ident()}


def test_map_chunks_inside_a_worker_runs_inline(monkeypatch):
    monkeypatch.setenv("ZERODL_NUM_THREADS", "2")

    def outer(i):
        return sum(map_chunks(lambda j: i * j, list(range(4))))

    assert map_chunks(outer, list(range(4))) == [6 * i for i in range(4)]


def test_map_chunks_waits_for_every_worker_before_raising(monkeypatch):
    monkeypatch.setenv("ZERODL_NUM_THREADS", "2")
    finished = []

    def work(i):
        if i == 0:
            raise ValueError("chunk 0 failed")
        time.sleep(0.2)
        finished.append(i)

    with pytest.raises(ValueError, match="chunk 0 failed"):
        map_chunks(work, [0, 1])
    assert finished == [1]


@pytest.mark.parametrize("value", ["0", "two", "-1", ""])
def test_num_threads_rejects_bad_values(monkeypatch, value):
    monkeypatch.setenv("ZERODL_NUM_THREADS", value)
    with pytest.raises(ZerodlError, match="ZERODL_NUM_THREADS"):
        num_threads()


@pytest.mark.parametrize("n", [1, 3, 4, 7, 100])
@pytest.mark.parametrize("chunk_bytes", [1, 1000, 10**9])
def test_batch_slices_cover_the_batch_once(n, chunk_bytes):
    slices = batch_slices(np.zeros((n, 5), np.float32), chunk_bytes, per_byte=5)  # 100 bytes
    covered = [i for s in slices for i in range(n)[s]]
    assert covered == list(range(n))
    assert len(slices) % 4 == 0 or len(slices) == n
    sizes = [s.stop - s.start for s in slices]
    assert max(sizes) - min(sizes) <= 1
    expected = min(n, 4 * -(-n * 100 // (4 * chunk_bytes)))
    assert len(slices) == expected


def test_an_empty_batch_is_one_empty_slice():
    assert batch_slices(np.zeros((0, 5)), 1) == [slice(0, 0)]


def test_one_blas_thread_limits_blas_and_restores_it():
    def blas_threads():
        return [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]

    before = blas_threads()
    assert before, "NumPy's BLAS should be visible to threadpoolctl"
    with one_blas_thread():
        assert blas_threads() == [1] * len(before)
        with one_blas_thread():
            assert blas_threads() == [1] * len(before)
        assert blas_threads() == [1] * len(before), "the inner exit must not restore"
    assert blas_threads() == before
    with pytest.raises(RuntimeError), one_blas_thread():
        raise RuntimeError("restored on the way out")
    assert blas_threads() == before


@pytest.mark.parametrize("network", [DeepConvNet, SimpleConvNet])
def test_results_do_not_depend_on_the_number_of_threads(monkeypatch, network):
    monkeypatch.setattr(Convolution, "chunk_bytes", 2**14)  # several chunks per convolution
    rng = np.random.default_rng(0)
    x, t = rng.random((12, 1, 28, 28), dtype=np.float32), rng.integers(0, 10, 12)
    results = []
    for threads in ("1", "2", "3"):
        monkeypatch.setenv("ZERODL_NUM_THREADS", threads)
        net = network(seed=0)
        results.append((net.predict(x), *net.loss_and_gradient(x, t)))
    for scores, loss, grads in results[1:]:
        np.testing.assert_array_equal(scores, results[0][0])
        assert loss == results[0][1]
        for key, grad in grads.items():
            np.testing.assert_array_equal(grad, results[0][2][key], err_msg=key)


def _child_uses_the_pool(queue):
    queue.put(map_chunks(lambda i: i + 1, [1, 2, 3, 4]))


def test_a_forked_child_gets_its_own_pool(monkeypatch):
    monkeypatch.setenv("ZERODL_NUM_THREADS", "2")
    map_chunks(lambda i: i, [1, 2])  # the parent's pool now exists
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_child_uses_the_pool, args=(queue,))
    child.start()
    child.join(timeout=60)
    if child.is_alive():
        child.kill()
        pytest.fail("map_chunks hung in a forked child")
    assert child.exitcode == 0 and queue.get(timeout=5) == [2, 3, 4, 5]
