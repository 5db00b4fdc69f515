"""`zerodl train`: train one of the book's networks and write its run folder."""

from __future__ import annotations

import hashlib
import json
import math
import platform
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np

from zerodl import __version__
from zerodl.atomic import atomic_write_bytes
from zerodl.cli.common import (
    UsageError,
    add_data_options,
    add_device_option,
    count,
    device,
    hidden_sizes,
    load_dataset,
    out_dir,
    plural,
    real,
)
from zerodl.cli.mpi import run_on_ranks
from zerodl.datasets import find_dataset, split_validation
from zerodl.datasets.mnist import DatasetLocation
from zerodl.datasets.sources import FILES
from zerodl.distributed import Communicator, DistributedTrainer, world
from zerodl.init import SCALE_NAMES
from zerodl.io import save_model
from zerodl.nets import build_model, convert_dtype
from zerodl.trainer import Trainer

MODELS = ("two-layer", "mlp", "mlp-extend", "simple-conv", "deep-conv")
CONV_MODELS = ("simple-conv", "deep-conv")
DEFAULT_LR = {"sgd": 0.1, "momentum": 0.01, "nesterov": 0.01, "adagrad": 0.01, "rmsprop": 0.001,
              "adam": 0.001}
# options that shape a network, and the models they shape
MODEL_OPTIONS = {"hidden": ("two-layer", "mlp", "mlp-extend"), "activation": ("mlp", "mlp-extend"),
                 "init": ("mlp", "mlp-extend"), "weight_decay": ("mlp", "mlp-extend"),
                 "batchnorm": ("mlp-extend",), "dropout": ("mlp-extend",),
                 "batchnorm_style": ("mlp-extend",), "dropout_scale": ("mlp-extend", "deep-conv")}
# options that change a layer the model has only with another option: (needs, the layer)
LAYER_OPTIONS = {"batchnorm_style": ("batchnorm", "Batch Normalization"),
                 "dropout_scale": ("dropout", "Dropout")}
DTYPES = {"float32": np.float32, "float64": np.float64, "float16": np.float32}
EXAMPLES = """examples:
  zerodl train --dataset fashion-mnist --epochs 10
  zerodl train --model simple-conv --optimizer adam --epochs 5 --out runs/cnn
  zerodl train --model simple-conv --optimizer adam --epochs 10 --out runs/cnn --resume
  zerodl train --model mlp-extend --hidden 100,100,100 --batchnorm --dropout 0.2
  zerodl train --model mlp-extend --dropout 0.2 --dropout-scale book --dtype float64"""


def init_spec(text: str) -> str | float:
    """--init: he, xavier (or relu, sigmoid, their other names) or a positive std."""
    if text.lower() in SCALE_NAMES:
        return text.lower()
    return real(0, low_open=True)(text)


def add_parser(sub, parents) -> None:
    p = sub.add_parser("train", parents=parents, help="train a network (MNIST by default)",
                       epilog=EXAMPLES,
                       description="Train one of the book's networks. Every epoch is checkpointed"
                       " in --out,\nso that a run can be resumed exactly (and Ctrl-C saves one).")
    p.add_argument("--model", default="two-layer", choices=MODELS, help="the network")
    p.add_argument("--hidden", type=hidden_sizes,
                   help="hidden sizes, e.g. 50 or 100,100 (default: 50 for two-layer, 100,100"
                   " for mlp)")
    p.add_argument("--activation", choices=["relu", "sigmoid", "tanh"],
                   help="hidden activation of mlp, mlp-extend (default: relu)")
    p.add_argument("--init", type=init_spec,
                   help="weight init of mlp, mlp-extend: he, xavier or a std (default: he)")
    p.add_argument("--weight-decay", type=real(0), help="L2 lambda of mlp, mlp-extend (default: 0)")
    p.add_argument("--batchnorm", action="store_true", help="Batch Normalization (mlp-extend)")
    p.add_argument("--dropout", type=real(0, 1, low_open=True, high_open=True),
                   help="dropout ratio of mlp-extend (default: none)")
    p.add_argument("--dropout-scale", choices=["inverted", "book"],
                   help="inverted: scale kept units by 1/(1-p) in training; book: by 1-p at"
                   " inference, as the book's code (mlp-extend with --dropout, deep-conv;"
                   " default: inverted)")
    p.add_argument("--batchnorm-style", choices=["standard", "book"],
                   help="standard: eps 1e-5, running variance from 1; book: eps 1e-6, running"
                   " averages from 0, as the book's code (with --batchnorm; default: standard)")
    p.add_argument("--epochs", type=count(1), default=10, help="passes over the training data")
    p.add_argument("--batch-size", type=count(1), default=100, help="images per step")
    p.add_argument("--lr", type=real(0, low_open=True), help="learning rate (default: " + ", ".join(
        f"{v:g} for {k}" for k, v in DEFAULT_LR.items()) + ")")
    p.add_argument("--optimizer", default="sgd", choices=list(DEFAULT_LR), help="the update rule")
    p.add_argument("--out", type=out_dir, help="run folder (default: runs/MODEL-DATASET-TIME)")
    p.add_argument("--resume", action="store_true", help="continue the run in --out")
    p.add_argument("--val-split", type=real(0, 1, high_open=True), default=0.0,
                   help="fraction of the training data held out for validation")
    p.add_argument("--dtype", choices=list(DTYPES), default="float32",
                   help="float64: train in double precision, as the book's code does; float16:"
                   " train in float32, then also save a half-precision model and report its"
                   " accuracy")
    p.add_argument("--distributed", action="store_true",
                   help="one rank of a data-parallel run: mpiexec -n N zerodl train ..."
                   " --distributed shares each batch among N processes (pip install"
                   " 'zerodl[cluster]')")
    add_device_option(p)
    add_data_options(p, dataset=True)
    p.set_defaults(func=run)


def check_model_options(args) -> None:
    """Refuse options that do not shape the chosen model, rather than ignore them."""
    for option, models in MODEL_OPTIONS.items():
        value = getattr(args, option)
        if value not in (None, False) and args.model not in models:
            raise UsageError(f"--{option.replace('_', '-')} applies to {', '.join(models)},"
                             f" not to --model {args.model}")
    for option, (needed, layer) in LAYER_OPTIONS.items():
        if getattr(args, option) is not None and args.model == "mlp-extend" \
                and not getattr(args, needed):
            raise UsageError(f"--{option.replace('_', '-')} sets how {layer} works: it needs"
                             f" --{needed}")
    if args.model == "two-layer" and args.hidden is not None and len(args.hidden) != 1:
        raise UsageError("--model two-layer has one hidden layer: give one size, not"
                         f" {','.join(map(str, args.hidden))}")


def model_config(args, input_shape: tuple[int, ...], classes: int) -> dict:
    """The config of the network that the options describe, with the defaults filled in."""
    if args.model in CONV_MODELS:
        config = {"input_dim": list(input_shape), "output_size": classes}
        if args.model == "deep-conv":
            config["dropout_scale"] = args.dropout_scale or "inverted"
        return config
    base = {"input_size": math.prod(input_shape), "output_size": classes}
    if args.model == "two-layer":
        return {**base, "hidden_size": args.hidden[0] if args.hidden is not None else 50}
    config = {**base, "hidden_size_list": args.hidden if args.hidden is not None else [100, 100],
              "activation": args.activation if args.activation is not None else "relu",
              "weight_init_std": args.init if args.init is not None else "he",
              "weight_decay_lambda": args.weight_decay if args.weight_decay is not None else 0.0}
    if args.model == "mlp-extend":
        config.update(use_batchnorm=args.batchnorm, use_dropout=args.dropout is not None,
                      dropout_ration=args.dropout if args.dropout is not None else 0.5,
                      dropout_scale=args.dropout_scale or "inverted",
                      batchnorm_style=args.batchnorm_style or "standard")
    return config


def print_summary(network, sample: np.ndarray) -> None:
    rows = network.summary(sample)
    total = sum(r["parameters"] for r in rows)
    print(f"{type(network).__name__} ({network.model_name}): {total:,} parameters")
    width = max(len(r["name"]) for r in rows)
    print(f"  {'layer':{width}}  {'type':18}  {'output':14}  parameters")
    for r in rows:
        shape = str(tuple(r["output_shape"]))
        print(f"  {r['name']:{width}}  {r['type']:18}  {shape:14}  {r['parameters']:>10,}")


def _file_md5(path: Path) -> str:
    h = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def write_run_record(out: Path, args, network, lr: float, ranks: int) -> None:
    """run.json: what is needed to trace a result: versions, seed, config, data checksums."""
    location = find_dataset(args.dataset, args.data_dir, download=False)
    command = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()
               if k != "func"}
    record = {
        "zerodl": __version__, "numpy": np.__version__, "python": platform.python_version(),
        "platform": platform.platform(), "started": datetime.now().isoformat(timespec="seconds"),
        "seed": args.seed, "command": {**command, "lr": lr}, "ranks": ranks,
        "model": network.model_name, "model_config": network.config(),
        "dataset": {"name": location.name, "path": str(location.path), "source": location.source,
                    "md5": {f: _file_md5(location.path / f) for f in FILES}},
    }
    atomic_write_bytes(out / "run.json", (json.dumps(record, indent=2) + "\n").encode())


@dataclass
class Prepared:
    """What a run decides before it trains: its folder, its data and what a model file records
    of the data. Made once (on rank 0 of a distributed run, and sent to the others)."""

    out: Path
    lr: float
    train: tuple
    test: tuple
    val: tuple
    location: DatasetLocation


def prepare(args) -> Prepared:
    if args.resume and args.out is None:
        raise UsageError("--resume needs --out DIR, the run folder to continue")
    out = args.out if args.out is not None else Path("runs") / (
        f"{args.model}-{Path(args.dataset).name}-{datetime.now():%Y%m%d-%H%M%S}")
    checkpoint = out / "checkpoint.safetensors"
    if args.resume and not checkpoint.is_file():
        raise UsageError(f"--resume: {out} holds no checkpoint to continue")
    if checkpoint.exists() and not args.resume:
        raise UsageError(f"{out} already holds a run: add --resume to continue it, or choose"
                         " another --out")
    check_model_options(args)
    train, test = load_dataset(args, flatten=args.model not in CONV_MODELS)
    val = (None, None)
    if args.val_split:
        train, val = split_validation(*train, args.val_split, args.seed)
    return Prepared(out, args.lr if args.lr is not None else DEFAULT_LR[args.optimizer], train,
                    test, val, find_dataset(args.dataset, args.data_dir, download=False))


def run(args) -> int:
    if not args.distributed:
        return train_on(args, None)
    comm = world()
    return run_on_ranks(comm, lambda: train_on(args, comm))


def train_on(args, comm: Communicator | None) -> int:
    """Train as the options say: in this process, or as one rank of a distributed run (whose
    rank 0 alone writes the run folder and prints; the others' output goes nowhere)."""
    run_ = prepare(args) if comm is None else comm.from_root(lambda: prepare(args))
    root = comm is None or comm.is_root
    target = device(args)
    (x_train, t_train), (x_test, t_test), (x_val, t_val) = run_.train, run_.test, run_.val
    meta = run_.location.metadata()
    config = model_config(args, x_train.shape[1:], len(meta["classes"]))
    network = build_model(args.model, config, DTYPES[args.dtype], seed=args.seed).to(target)
    if not args.quiet:
        print(f"data: {args.dataset}, {len(x_train)} training and {len(x_test)} test images from"
              f" {run_.location.path} ({run_.location.source})"
              + (f"; {comm.size} ranks share each batch" if comm is not None else ""))
        print_summary(network, x_train[:1])
    options = {"epochs": args.epochs, "mini_batch_size": args.batch_size,
               "optimizer": args.optimizer, "optimizer_param": {"lr": run_.lr}, "x_val": x_val,
               "t_val": t_val, "seed": args.seed, "out_dir": run_.out, "verbose": not args.quiet,
               "metadata": meta}
    trainer = (Trainer(network, x_train, t_train, x_test, t_test, **options) if comm is None
               else DistributedTrainer(network, x_train, t_train, x_test, t_test, comm=comm,
                                       **options))
    if root and not args.resume:
        run_.out.mkdir(parents=True, exist_ok=True)
        write_run_record(run_.out, args, network, run_.lr, 1 if comm is None else comm.size)
    start = time.perf_counter()
    trainer.train(resume=args.resume)
    wall = time.perf_counter() - start
    out = run_.out
    print(f"test accuracy {trainer.final_test_acc:.4f} ({args.model} on {args.dataset},"
          f" {plural(args.epochs, 'epoch')}, {wall:.1f} s)")
    print(f"model: {out / 'model.safetensors'}  curves: {out / 'curves.png'}"
          f"  history: {out / 'metrics.csv'}")
    if args.dtype == "float16" and root:
        half = convert_dtype(network, np.float16)
        save_model(half, out / "model-float16.safetensors", **meta)
        accuracy = half.accuracy(x_test.astype(np.float16), t_test)
        print(f"float16 inference: test accuracy {accuracy:.4f}"
              f" ({out / 'model-float16.safetensors'})")
    return 0
