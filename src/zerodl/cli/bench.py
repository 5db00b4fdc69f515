"""`zerodl bench`: training and inference times, GFLOP/s and peak memory of zerodl beside
PyTorch eager, channels_last and torch.compile, each in its own process; with --distributed,
the time of one data-parallel step over 1, 2, 4... ranks of MPI.

`zerodl bench --distributed` starts one MPI job per number of ranks (mpiexec -n N, each rank on
one thread), in which every rank runs this same command with the hidden --distributed-rank
option: they measure together and rank 0 writes the results to the file that option names.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from zerodl.bench import CONTENDERS, MODELS, format_table, run_benchmark, torch_available, write_json
from zerodl.cli.common import UsageError, add_device_option, count, device, out_file
from zerodl.cli.mpi import run_on_ranks
from zerodl.distributed import mpiexec, world
from zerodl.distributed.scaling import MODELS as SCALING_MODELS
from zerodl.distributed.scaling import fit_alpha_beta, measure_allreduce, measure_steps

log = logging.getLogger("zerodl")


def add_parser(sub, parents) -> None:
    p = sub.add_parser("bench", parents=parents,
                       help="training and inference speed and memory, beside PyTorch if installed")
    p.add_argument("--models", help="comma-separated; default: mlp,simple-conv,deep-conv (with"
                   " --distributed: mlp,mlp-batchnorm,simple-conv,deep-conv)")
    p.add_argument("--repeats", type=count(1), default=7,
                   help="steps timed per round and contender (their median counts)")
    p.add_argument("--rounds", type=count(1), default=5,
                   help="interleaved rounds: every contender times its steps once per round")
    p.add_argument("--contenders", help=f"comma-separated; default: {','.join(CONTENDERS)}")
    p.add_argument("--json", type=out_file, help="also write the results to this JSON file")
    p.add_argument("--no-torch", action="store_true", help="skip PyTorch even if installed")
    p.add_argument("--no-memory", action="store_true", help="do not report peak memory")
    p.add_argument("--distributed", action="store_true",
                   help="time one data-parallel training step over MPI ranks (one thread each;"
                   " pip install 'zerodl[cluster]')")
    p.add_argument("--ranks", default="1,2,4", help="with --distributed: the numbers of ranks")
    p.add_argument("--batch-size", type=count(1), default=100,
                   help="with --distributed: the global batch that the ranks share")
    p.add_argument("--distributed-rank", type=Path, help=argparse.SUPPRESS)
    add_device_option(p)
    p.set_defaults(func=run)


def model_list(text: str | None, known, default: str, option: str = "--models",
               what: str = "model") -> list[str]:
    models = [m.strip() for m in (text or default).split(",") if m.strip()]
    unknown = [m for m in models if m not in known]
    if unknown or not models:
        raise UsageError(f"{option}: unknown {what}(s) {', '.join(unknown) or '(none given)'}: use"
                         f" {', '.join(known)}")
    return models


def run(args) -> int:
    if args.distributed_rank is not None:
        return run_rank(args)
    if args.distributed:
        return run_distributed(args)
    models = model_list(args.models, MODELS, "mlp,simple-conv,deep-conv")
    contenders = model_list(args.contenders, CONTENDERS, ",".join(CONTENDERS), "--contenders",
                            "contender")
    if args.no_torch and "zerodl" not in contenders:
        raise UsageError(f"--no-torch leaves none of --contenders {','.join(contenders)}")
    if not args.no_torch and not torch_available() and contenders != ["zerodl"]:
        log.info("PyTorch is not installed: measuring zerodl alone (pip install 'zerodl[bench]')")
    results = run_benchmark(models, repeats=args.repeats, rounds=args.rounds,
                            contenders=contenders, with_torch=not args.no_torch,
                            memory=not args.no_memory, device=device(args))
    print(format_table(results))
    if args.json is not None:
        write_json(results, args.json)
        print(f"results written to {args.json}")
    return 0


def run_rank(args) -> int:
    """One rank of one job that `zerodl bench --distributed` started."""
    comm = world()

    def body() -> int:
        models = model_list(args.models, SCALING_MODELS, ",".join(SCALING_MODELS))
        results = {"steps": measure_steps(comm, models, batch=args.batch_size,
                                          repeats=args.repeats)}
        if comm.size > 1:
            results["allreduce"] = measure_allreduce(comm)
        if comm.is_root:
            write_json(results, args.distributed_rank)
        return 0

    return run_on_ranks(comm, body)


def run_distributed(args) -> int:
    try:
        ranks = sorted({int(r) for r in args.ranks.split(",") if r.strip()})
    except ValueError:
        raise UsageError(f"--ranks: {args.ranks!r} is not a comma-separated list of numbers") from None
    if not ranks or ranks[0] < 1:
        raise UsageError(f"--ranks: {args.ranks!r}: every number of ranks must be at least 1")
    models = model_list(args.models, SCALING_MODELS, ",".join(SCALING_MODELS))
    launcher = mpiexec()
    env = dict(os.environ, ZERODL_NUM_THREADS="1", OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
               MKL_NUM_THREADS="1")
    runs = {}
    with tempfile.TemporaryDirectory(prefix="zerodl-bench-") as folder:
        for n in ranks:
            out = Path(folder) / f"{n}.json"
            command = [launcher, "-n", str(n), sys.executable, "-m", "zerodl", "bench",
                       "--models", ",".join(models), "--repeats", str(args.repeats),
                       "--batch-size", str(args.batch_size), "--distributed-rank", str(out)]
            log.info("timing %s over %d rank(s)", ", ".join(models), n)
            done = subprocess.run(command, env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True)
            if done.returncode != 0:
                lines = done.stderr.strip().splitlines() or ["(nothing on stderr)"]
                raise UsageError(f"the job of {n} ranks failed (exit {done.returncode}): {lines[-1]}")
            runs[n] = json.loads(out.read_text())
    results = {"batch": args.batch_size, "cores": os.cpu_count(), "runs": runs}
    print(format_scaling(results, models))
    if args.json is not None:
        write_json(results, args.json)
        print(f"results written to {args.json}")
    return 0


def format_scaling(results: dict, models: list[str]) -> str:
    """The step times as a table (milliseconds, and the speed-up over one rank), then the
    allreduce's latency and bandwidth fitted for each number of ranks above one."""
    runs = results["runs"]
    ranks = sorted(runs)
    head = f"{'model':14} {'bytes/step':>11}" + "".join(f" {f'{n} rank' + ('s' if n > 1 else ''):>19}"
                                                        for n in ranks)
    lines = [f"one training step at a global batch of {results['batch']}, one thread per rank,"
             f" {results['cores']} cores: milliseconds (of which allreduce), speed-up", head]
    for model in models:
        first = runs[ranks[0]]["steps"][model]
        sent = sum(first["bytes"].values())
        cells = []
        for n in ranks:
            step = runs[n]["steps"][model]
            speedup = first["step_s"] / step["step_s"] * ranks[0]
            cells.append(f"{step['step_s'] * 1e3:7.2f} ({step['allreduce_s'] * 1e3:5.2f}) {speedup:4.2f}x")
        lines.append(f"{model:14} {sent:11,d}" + "".join(f" {c:>19}" for c in cells))
    fitted = [(n, fit_alpha_beta({int(k): v for k, v in runs[n]["allreduce"].items()}, n))
              for n in ranks if n > 1]
    if fitted:
        lines.append("allreduce on this host, fitted to T = 2(p-1) alpha + 2(p-1)/p B / beta:")
        lines += [f"  {n} ranks: alpha {alpha * 1e6:.1f} us, beta {beta / 1e9:.2f} GB/s"
                  for n, (alpha, beta) in fitted]
    return "\n".join(lines)
