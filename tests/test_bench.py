"""`zerodl bench`: the FLOP counts by hand, the worker protocol, a run of zerodl alone and one
beside PyTorch (eager and channels_last, on the MLP), and contenders that fail. Quick ones only:
the speed itself is measured by `zerodl bench`, never asserted here."""

import io
import json
import os
import sys

import numpy as np
import pytest
from threadpoolctl import threadpool_info

import zerodl.bench.rounds as rounds
from zerodl.bench import (
    CONTENDERS,
    contender_steps,
    format_table,
    infer_flops,
    run_benchmark,
    torch_available,
    train_flops,
)
from zerodl.bench.worker import serve
from zerodl.cli import main
from zerodl.nets import MultiLayerNet, SimpleConvNet

CONTENDER_FIELDS = {"version", "first_train_s", "first_infer_s", "rounds", "peak_mib", "data_mib",
                    "device_mib"} | {f"{kind}_{what}" for kind in ("train", "infer")
                                     for what in ("ms", "ms_min", "ms_max", "ms_rounds", "img_s",
                                                  "gflops", "peak_fraction")}
MODEL_FIELDS = {"train_flops", "infer_flops", "contenders", "skipped"} | {
    f"{kind}_{what}" for kind in ("train", "infer")
    for what in ("ratio", "ratio_min", "ratio_max")} | {"best_train", "best_infer"}


def require_torch():
    """Skip without PyTorch, except in CI (ZERODL_REQUIRE_TORCH=1), where that is a failure."""
    if not torch_available():
        if os.environ.get("ZERODL_REQUIRE_TORCH") == "1":
            pytest.fail("PyTorch is not installed but ZERODL_REQUIRE_TORCH=1")
        pytest.skip("PyTorch is not installed: pip install torch==2.13.0")


def test_flops_of_the_mlp_by_hand():
    net = MultiLayerNet(784, [100], 10)
    forward = 2 * 100 * (784 * 100 + 100 * 10)
    assert infer_flops(net, "mlp") == forward
    # forward, weight gradients, input gradients but the first layer's (the network's input)
    assert train_flops(net, "mlp") == 3 * forward - 2 * 100 * 784 * 100


def test_flops_of_a_small_conv_net_are_the_direct_methods():
    # 4 filters 3x3, stride 2, pad 1, on 28x28: OH = OW = (28 + 2 - 3) // 2 + 1 = 14
    net = SimpleConvNet(conv_param={"filter_num": 4, "filter_size": 3, "pad": 1, "stride": 2},
                        hidden_size=20)
    conv = 2 * 100 * 14 * 14 * 4 * 1 * 3 * 3  # 2 N OH OW FN C FH FW
    affines = 2 * 100 * (4 * 7 * 7 * 20 + 20 * 10)  # after the 2x2 pooling: 7x7
    assert infer_flops(net, "simple-conv") == conv + affines
    # the convolution, first, gets no input gradient: forward and weight gradient only
    assert train_flops(net, "simple-conv") == 2 * conv + 3 * affines


def test_the_worker_answers_the_protocol():
    requests = io.StringIO('{"op": "time", "repeats": 2}\n{"op": "finish"}\n')
    replies = io.StringIO()
    config = {"contender": "zerodl", "model": "mlp", "threads": 1, "warmup": 0}
    assert serve(config, requests, replies) == 0
    ready, timed, finish = map(json.loads, replies.getvalue().splitlines())
    assert ready["ready"] and ready["first_train_s"] > 0 and ready["first_infer_s"] > 0
    assert timed["train_s"] > 0 and timed["infer_s"] > 0
    assert finish["data_mib"] == pytest.approx(10000 * 784 * 4 / 2**20)
    assert finish["peak_mib"] is None or finish["peak_mib"] > finish["data_mib"]


def test_a_worker_that_cannot_start_answers_one_line():
    replies = io.StringIO()
    config = {"contender": "torch-bogus", "model": "mlp", "threads": 1}
    assert serve(config, io.StringIO(), replies) == 1
    (reply,) = map(json.loads, replies.getvalue().splitlines())
    assert reply == {"error": "ValueError: unknown contender 'torch-bogus': use one of "
                     + ", ".join(CONTENDERS)}


def test_zerodl_alone_reports_every_figure():
    results = run_benchmark(models=["mlp"], repeats=1, warmup=0, rounds=1, with_torch=False)
    assert results["contenders"] == ["zerodl"] and results["torch"] is None
    assert results["matmul_gflops"] > 0 and set(results["gemm_gflops"]) == {"numpy"}
    model = results["models"]["mlp"]
    assert set(model) == MODEL_FIELDS and model["skipped"] == {}
    assert model["train_ratio"] is None and model["best_train"] is None  # nothing to compare
    row = model["contenders"]["zerodl"]
    assert set(row) == CONTENDER_FIELDS and row["rounds"] == 1
    assert 0 < row["train_ms_min"] <= row["train_ms"] <= row["train_ms_max"]
    assert row["train_gflops"] == pytest.approx(model["train_flops"] / row["train_ms"] / 1e6)
    assert 0 < row["infer_peak_fraction"] < 5
    assert row["peak_mib"] is None or 20 < row["peak_mib"] < 4000
    table = format_table(results)
    assert "mlp" in table and "zerodl" in table and "--no-torch" in table
    # which BLAS, and which of its kernels, NumPy's products ran on
    assert any(results["numpy_blas"].startswith(f"{pool['internal_api']} {pool['version']}")
               for pool in threadpool_info() if pool["user_api"] == "blas")
    assert f"NumPy {np.__version__} ({results['numpy_blas']})" in table
    json.dumps(results)  # what --json writes


def test_pytorch_eager_and_channels_last_beside_zerodl():
    require_torch()
    results = run_benchmark(models=["mlp"], repeats=1, warmup=0, rounds=1, memory=False,
                            contenders=["zerodl", "torch-eager", "torch-channels-last"])
    model = results["models"]["mlp"]
    assert set(model["contenders"]) == {"zerodl", "torch-eager"}
    # no convolutions: channels_last would be torch-eager again, and says so
    assert model["skipped"]["torch-channels-last"].startswith("n/a")
    assert model["best_train"] == model["best_infer"] == "torch-eager"
    eager = model["contenders"]["torch-eager"]
    assert model["train_ratio"] == pytest.approx(model["contenders"]["zerodl"]["train_ms"]
                                                 / eager["train_ms"])
    assert model["train_ratio_min"] == pytest.approx(model["train_ratio"])  # one round
    assert eager["peak_mib"] is None and results["torch"] == eager["version"]
    assert set(results["gemm_gflops"]) == {"numpy", "torch"}
    assert "n/a" in format_table(results) and "vs torch-eager" in format_table(results)


def test_channels_last_steps_run_in_that_layout():
    require_torch()
    # optional: pip install 'zerodl[bench]'
    import torch

    steps = contender_steps("torch-channels-last", "deep-conv")
    steps.train()
    assert steps.infer().shape == (100, 10)
    conv2 = steps.model[2].weight  # 16 -> 16 channels (with one channel both layouts agree)
    assert conv2.is_contiguous(memory_format=torch.channels_last) and not conv2.is_contiguous()


FAILING = {
    "cannot start": ("import sys; sys.exit('no such framework here')",
                     "the worker exited with status 1: no such framework here"),
    "dies in a round": ("import json, sys; print(json.dumps({'ready': True, 'version': '0',"
                        " 'first_train_s': 0, 'first_infer_s': 0}), flush=True); sys.stdin.readline();"
                        " sys.exit('out of memory')",
                        "failed in round 1: the worker exited with status 1: out of memory"),
    "breaks the protocol": ("print('hello')", "not the protocol: 'hello'"),
}


@pytest.mark.parametrize("case", FAILING)
def test_a_failing_contender_is_skipped_with_its_reason(monkeypatch, case):
    script, reason = FAILING[case]
    real = rounds.worker_command
    monkeypatch.setattr(rounds, "worker_command", lambda config: [sys.executable, "-c", script]
                        if config["contender"] == "zerodl" else real(config))
    results = run_benchmark(models=["mlp"], repeats=1, warmup=0, rounds=1, with_torch=False)
    model = results["models"]["mlp"]
    assert model["contenders"] == {} and model["skipped"] == {"zerodl": reason}
    assert f"zerodl               skipped: {reason}" in format_table(results)


def test_unknown_contenders_are_a_usage_error(capsys):
    assert main(["bench", "--contenders", "zerodl,torch-jax"]) == 2
    assert "--contenders: unknown contender(s) torch-jax" in capsys.readouterr().err
    assert main(["bench", "--no-torch", "--contenders", "torch-eager"]) == 2
    with pytest.raises(ValueError, match="unknown contender"):
        run_benchmark(models=["mlp"], contenders=["tensorflow"])


def test_matmul_rate_runs_on_the_given_threads_and_restores_blas(monkeypatch):
    from threadpoolctl import threadpool_info

    import zerodl.bench.steps as steps

    seen = []
    real = steps.median_seconds

    def spy(*args, **kwargs):
        seen.append([pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"])
        return real(*args, **kwargs)

    before = [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]
    monkeypatch.setattr(steps, "median_seconds", spy)
    assert steps.matmul_gflops(size=64, repeats=1, threads=1) > 0
    assert seen == [[1] * len(before)]
    assert [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"] == before
