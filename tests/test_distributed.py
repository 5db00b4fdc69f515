"""Data-parallel training over real MPI ranks (mpiexec from the `mpich` wheel).

Without mpi4py and mpiexec these tests are skipped on a user's machine; in CI
(ZERODL_REQUIRE_MPI=1, set by .ci/run) they fail instead.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from zerodl.distributed import share_of
from zerodl.distributed.scaling import (
    ALLREDUCE_SIZES,
    allreduce_seconds,
    fit_alpha_beta,
    predict_step,
)
from zerodl.errors import ZerodlError
from zerodl.io import read_tensors

CHECKS = Path(__file__).with_name("distributed_checks.py")
# every rank and every one-process run on one thread, so that the runs compared differ only in
# how the batch is shared, and 2 ranks do not fight over 2 cores
ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "ZERODL_NUM_THREADS": "1"}


@pytest.fixture(scope="session")
def mpiexec() -> str:
    try:
        import mpi4py  # noqa: F401

        from zerodl.distributed import mpiexec as find_mpiexec

        return find_mpiexec()
    except (ImportError, ZerodlError) as e:
        if os.environ.get("ZERODL_REQUIRE_MPI") == "1":
            pytest.fail(f"ZERODL_REQUIRE_MPI=1 but MPI is not usable: {e}")
        pytest.skip("MPI tests need mpi4py and mpiexec: pip install 'zerodl[cluster]'")


def run(command: list[str], timeout: float = 300, **env) -> subprocess.CompletedProcess:
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **ONE_THREAD, **env})


def zerodl(*args: str) -> list[str]:
    return [sys.executable, "-m", "zerodl", *args]


def test_shares_cover_the_batch_in_rank_order_and_differ_by_at_most_one():
    shares = [share_of(100, rank, 3) for rank in range(3)]
    assert [(s.start, s.stop) for s in shares] == [(0, 33), (33, 66), (66, 100)]
    assert [share_of(4, rank, 4).stop - share_of(4, rank, 4).start for rank in range(4)] == [1] * 4


@pytest.mark.parametrize("model", ["mlp-bn-dropout", "simple-conv", "conv-bn"])
def test_each_step_over_three_ranks_is_the_one_process_step(mpiexec, model, tmp_path):
    # 3 ranks share a batch of 100 as 33, 33 and 34: the weighting by share size matters
    out = tmp_path / "checks.json"
    result = run([mpiexec, "-n", "3", sys.executable, str(CHECKS), model, "4", str(out)])
    assert result.returncode == 0, result.stderr
    checks = json.loads(out.read_text())
    assert checks["ranks"] == 3
    assert checks["loss_error"] < 1e-5 and checks["gradient_error"] < 1e-4
    assert checks["accuracy"][0] == checks["accuracy"][1]
    assert checks["distinct_weights"] == 1  # every rank holds the same bits


def compare_models(path_a: Path, path_b: Path) -> tuple[float, bool]:
    """The model files of two runs: the relative error of all their weights and buffers as one
    vector, and whether every tensor is within 1e-3 relative (or 1e-6 absolute, for the biases
    that feed a BatchNormalization, which are rounding noise in both runs)."""
    a, _ = read_tensors(path_a)
    b, _ = read_tensors(path_b)
    assert a.keys() == b.keys()
    whole_a = np.concatenate([a[k].ravel() for k in a])
    whole_b = np.concatenate([b[k].ravel() for k in a])
    whole = float(np.linalg.norm(whole_a - whole_b) / np.linalg.norm(whole_a))
    return whole, all(np.allclose(b[k], a[k], rtol=1e-3, atol=1e-6) for k in a)


# Half of mnist-10k, one epoch: 50 global batches of 100. (Over longer runs the two stay within
# rounding until a value whose sign is decided by rounding meets a ReLU, about once in 100 steps
# of the BatchNorm MLP; the runs then differ by 1e-4 and drift apart slowly. docs/scaling.md.)
MODELS = {
    "simple-conv": ["--model", "simple-conv", "--optimizer", "adam"],
    "mlp-batchnorm": ["--model", "mlp-extend", "--batchnorm"],
}


@pytest.mark.parametrize("model", list(MODELS))
def test_two_ranks_end_where_one_process_ends(mpiexec, model, mnist10k, tmp_path):
    common = ["-q", "train", *MODELS[model], "--dataset", str(mnist10k), "--val-split", "0.5",
              "--epochs", "1"]
    one = run(zerodl(*common, "--out", str(tmp_path / "one")))
    assert one.returncode == 0, one.stderr
    two = run([mpiexec, "-n", "2", *zerodl(*common, "--out", str(tmp_path / "two"),
                                           "--distributed")])
    assert two.returncode == 0, two.stderr
    # rank 0 alone printed and wrote
    assert two.stdout.count("test accuracy") == 1
    assert json.loads((tmp_path / "two" / "run.json").read_text())["ranks"] == 2
    whole, every_tensor = compare_models(tmp_path / "one" / "model.safetensors",
                                         tmp_path / "two" / "model.safetensors")
    assert whole < 1e-3 and every_tensor
    metrics = [(tmp_path / run_dir / "metrics.csv").read_text().splitlines()[1].split(",")
               for run_dir in ("one", "two")]
    # mean loss, train, test and validation accuracy of the epoch
    np.testing.assert_allclose([float(v) for v in metrics[0][1:5]],
                               [float(v) for v in metrics[1][1:5]], rtol=1e-3)


def test_a_run_resumed_on_another_number_of_ranks_ends_where_one_process_ends(
        mpiexec, mnist10k, tmp_path):
    common = ["-q", "train", *MODELS["mlp-batchnorm"], "--dataset", str(mnist10k),
              "--val-split", "0.5", "--batch-size", "250"]
    one = run(zerodl(*common, "--epochs", "2", "--out", str(tmp_path / "one")))
    assert one.returncode == 0, one.stderr
    out = ["--out", str(tmp_path / "parallel"), "--distributed"]
    first = run([mpiexec, "-n", "2", *zerodl(*common, "--epochs", "1", *out)])
    assert first.returncode == 0, first.stderr
    resumed = run([mpiexec, "-n", "3", *zerodl(*common, "--epochs", "2", "--resume", *out)])
    assert resumed.returncode == 0, resumed.stderr
    whole, every_tensor = compare_models(tmp_path / "one" / "model.safetensors",
                                         tmp_path / "parallel" / "model.safetensors")
    assert whole < 1e-3 and every_tensor
    losses = [np.loadtxt(tmp_path / d / "loss.csv", delimiter=",", skiprows=1)
              for d in ("one", "parallel")]
    assert losses[0].shape == losses[1].shape == (40, 2)


def test_a_rank_that_fails_alone_ends_the_job_with_its_message(mpiexec, mnist10k, tmp_path):
    # rank 1 runs on a host whose ZERODL_NUM_THREADS is wrong: it fails in its first
    # convolution while rank 0 waits for it in an allreduce
    args = zerodl("-q", "train", "--model", "simple-conv", "--dataset", str(mnist10k),
                  "--epochs", "1", "--out", str(tmp_path / "run"), "--distributed")
    start = time.monotonic()
    result = run([mpiexec, "-n", "1", *args, ":", "-n", "1", "-env", "ZERODL_NUM_THREADS", "many",
                  *args], timeout=120)
    assert result.returncode == 2
    assert ("zerodl: rank 1 of 2: ZERODL_NUM_THREADS='many': expected a whole number of threads"
            in result.stderr)
    assert time.monotonic() - start < 60


def test_a_mistake_that_every_rank_meets_is_reported_once(mpiexec, mnist10k, tmp_path):
    result = run([mpiexec, "-n", "2", *zerodl("train", "--dataset", str(mnist10k), "--resume",
                                              "--out", str(tmp_path), "--distributed")])
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"zerodl: --resume: {tmp_path} holds no checkpoint to continue"]


def test_the_allreduce_model_fitted_to_its_own_times_gives_them_back():
    alpha, beta = 20e-6, 1.25e9  # 10 GbE
    times = {size: allreduce_seconds(size, 4, alpha, beta) for size in (1 << 10, 1 << 20, 1 << 24)}
    fitted = fit_alpha_beta(times, 4)
    assert fitted == pytest.approx((alpha, beta), rel=1e-6)
    # 6 messages of latency and 1.5 times the buffer through one link, by hand
    assert allreduce_seconds(1e6, 4, alpha, beta) == pytest.approx(6 * 20e-6 + 1.5e6 / 1.25e9)
    assert predict_step(0.1, 1e6, 1, alpha, beta) == 0.1
    assert predict_step(0.1, 1e6, 4, alpha, beta) == pytest.approx(0.025 + 6 * 20e-6 + 1.2e-3)
    # three BatchNorm layers: 16 allreduces, each paying the latency
    assert predict_step(0.1, 1e6, 4, alpha, beta, 16) == pytest.approx(0.025 + 96 * 20e-6 + 1.2e-3)
    with pytest.raises(ValueError):
        fit_alpha_beta(times, 1)


def test_bench_distributed_times_each_number_of_ranks(mpiexec, tmp_path):
    out = tmp_path / "scaling.json"
    result = run(zerodl("bench", "--distributed", "--ranks", "1,2", "--models", "mlp,mlp-batchnorm",
                        "--repeats", "2", "--json", str(out)))
    assert result.returncode == 0, result.stderr
    assert "mlp-batchnorm" in result.stdout and "2 ranks: alpha" in result.stdout
    runs = json.loads(out.read_text())["runs"]
    assert sorted(runs) == ["1", "2"]
    # bytes allreduced per step, by hand: every weight and bias and the loss in float32; and
    # for each of the 3 BatchNorm layers of width 100, four sums of 100 floats and a row count
    mlp = (784 * 100 + 100 + 100 * 10 + 10 + 1) * 4
    bn_params = 784 * 100 + 100 + 2 * (100 * 100 + 100) + 100 * 10 + 10 + 3 * 200
    for n in ("1", "2"):
        steps = runs[n]["steps"]
        assert steps["mlp"]["bytes"] == {"gradients": mlp, "batchnorm": 0}
        assert steps["mlp-batchnorm"]["bytes"] == {"gradients": (bn_params + 1) * 4,
                                                  "batchnorm": 3 * (4 * 100 * 4 + 8)}
        assert steps["mlp"]["allreduces"] == 1 and steps["mlp-batchnorm"]["allreduces"] == 16
        assert all(0 < s["step_s"] < 1 for s in steps.values())
    assert set(runs["2"]["allreduce"]) == {str(size) for size in ALLREDUCE_SIZES}


def test_bench_distributed_refuses_bad_ranks():
    result = run(zerodl("bench", "--distributed", "--ranks", "two"))
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert "--ranks: 'two'" in result.stderr
