from zerodl.bench import format_table, run_benchmark, train_flops
from zerodl.nets import MultiLayerNet


def test_benchmark_reports_every_figure_for_a_model():
    results = run_benchmark(models=["mlp"], repeats=1, warmup=0, with_torch=False, memory=True)
    row = results["models"]["mlp"]
    assert row["train_ms"] > 0 and row["infer_ms"] > 0 and results["matmul_gflops"] > 0
    assert 0 < row["matmul_fraction"] < 5
    assert row["peak_mib"] is None or 20 < row["peak_mib"] < 4000
    assert "mlp" in format_table(results)


def test_training_flops_count_forward_and_both_backward_products():
    net = MultiLayerNet(784, [100], 10)
    forward = 2 * 100 * (784 * 100 + 100 * 10)
    assert train_flops(net, "mlp") == 3 * forward


def test_matmul_rate_runs_on_the_given_threads_and_restores_blas(monkeypatch):
    from threadpoolctl import threadpool_info

    import zerodl.bench as bench

    seen = []
    real = bench.median_seconds

    def spy(*args, **kwargs):
        seen.append([pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"])
        return real(*args, **kwargs)

    before = [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]
    monkeypatch.setattr(bench, "median_seconds", spy)
    assert bench.matmul_gflops(size=64, repeats=1, threads=1) > 0
    assert seen == [[1] * len(before)]
    assert [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"] == before
