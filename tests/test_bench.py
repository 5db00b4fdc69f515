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
