"""`zerodl bench`: training and inference speed of MLP, SimpleConvNet and DeepConvNet, in zerodl
and in PyTorch (eager, channels_last, torch.compile), and their peak memory.

Every figure is at batch 100 in float32, every contender on the same number of threads
(zerodl.parallel.num_threads(); torch.set_num_threads). Each contender runs each model in a
worker process of its own (zerodl.bench.worker), so that thread pools and memory figures do not
mix; the parent (zerodl.bench.rounds) drives interleaved rounds, in each of which every
contender times a block of training steps and one of inference passes, and reports the median
and the spread over rounds, the achieved GFLOP/s (zerodl.bench.models.train_flops) against the
measured float32 matrix product, each worker's peak resident memory, and zerodl's ratio to the
fastest PyTorch contender. A contender that is not installed or fails is skipped with its reason.
"""

from zerodl.bench.models import (
    BATCH,
    MODELS,
    batch,
    infer_flops,
    make_torch_model,
    make_zerodl_model,
    train_flops,
)
from zerodl.bench.rounds import WorkerFailed, run_benchmark
from zerodl.bench.steps import (
    CONTENDERS,
    TORCH_CONTENDERS,
    Steps,
    contender_steps,
    matmul_gflops,
    median_seconds,
    torch_available,
    torch_steps,
    zerodl_steps,
)
from zerodl.bench.table import format_table, write_json

__all__ = ["BATCH", "CONTENDERS", "MODELS", "TORCH_CONTENDERS", "Steps", "WorkerFailed", "batch",
           "contender_steps", "format_table", "infer_flops", "make_torch_model",
           "make_zerodl_model", "matmul_gflops", "median_seconds", "run_benchmark",
           "torch_available", "torch_steps", "train_flops", "write_json", "zerodl_steps"]
