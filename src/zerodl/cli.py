"""The `zerodl` command line. Library code raises; only this module prints and exits."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from datetime import datetime
from pathlib import Path

import numpy as np

from zerodl import __version__
from zerodl.errors import ZerodlError

log = logging.getLogger("zerodl")


class UsageError(ZerodlError):
    """A command-line mistake: reported in one line with exit status 2."""


# -- gates ---------------------------------------------------------------------------------------
def cmd_gates(args) -> int:
    from zerodl.perceptron import AND_GATE, NAND_GATE, OR_GATE, TRUTH_TABLE_INPUTS, XOR

    for name, gate in (("AND", AND_GATE), ("OR", OR_GATE), ("NAND", NAND_GATE)):
        w1, w2 = gate.weights
        print(f"{name}: w1 = {w1:g}, w2 = {w2:g}, b = {gate.bias:g}")
        print(" x1 x2 | w1*x1 + w2*x2 + b | y")
        for x1, x2 in TRUTH_TABLE_INPUTS:
            s = gate.weighted_sum([x1, x2])
            print(f"  {x1}  {x2} | {s:>17.1f} | {gate.predict([x1, x2])}")
        print()
    print("XOR = AND(NAND(x1, x2), OR(x1, x2)): a two-layer perceptron")
    print(" x1 x2 | s1 = NAND | s2 = OR | AND(s1, s2): sum | y")
    for x1, x2 in TRUTH_TABLE_INPUTS:
        s1, s2 = NAND_GATE.predict([x1, x2]), OR_GATE.predict([x1, x2])
        s = AND_GATE.weighted_sum([s1, s2])
        print(f"  {x1}  {x2} | {s1:>9} | {s2:>7} | {s:>16.1f} | {XOR(x1, x2)}")
    return 0


# -- data ----------------------------------------------------------------------------------------
def cmd_data(args) -> int:
    from zerodl.datasets import DATASETS, dataset_aliases, find_dataset, load_raw

    if args.names and args.names[0] in ("show", "download"):
        args.action, args.names = args.names[0], args.names[1:]
    else:
        args.action = "show"
    if args.action == "download":
        if not args.names:
            raise UsageError("zerodl data download: name a dataset (" + ", ".join(DATASETS) + ")")
        for name in args.names:
            if name not in DATASETS:
                raise UsageError(f"unknown dataset '{name}': use one of {', '.join(DATASETS)}")
            loc = find_dataset(name, args.data_dir, download=True, progress=True)
            print(f"{name}: {loc.path} ({loc.source})")
        return 0
    names = args.names or [*DATASETS, *(a for a in dataset_aliases() if a not in DATASETS)]
    status = 0
    for name in names:
        try:
            (x, t), (xt, tt), loc = load_raw(name, args.data_dir, download=not args.offline and
                                             bool(args.names))
        except ZerodlError as e:
            print(f"{name}: not available\n  {e}\n")
            status = 1
            continue
        print(f"{name}: {loc.path} ({loc.source}{', checksums verified' if loc.spec else ''})")
        for split, images, labels in (("train", x, t), ("test", xt, tt)):
            counts = np.bincount(labels, minlength=10)
            print(f"  {split:5} {images.shape[0]:6d} images of {images.shape[1]}x{images.shape[2]};"
                  f" per class: {' '.join(str(c) for c in counts)}")
        print()
    return status


# -- train ---------------------------------------------------------------------------------------
def _parse_hidden(text: str) -> list[int]:
    try:
        sizes = [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise UsageError(f"--hidden must be comma-separated integers, got '{text}'") from None
    if not sizes or min(sizes) < 1:
        raise UsageError(f"--hidden must list positive sizes, got '{text}'")
    return sizes


def _load_dataset(args, flatten: bool = True):
    from zerodl.datasets import load_mnist

    return load_mnist(flatten=flatten, dataset=args.dataset, data_dir=args.data_dir,
                      download=not args.offline)


def _dataset_meta(args) -> dict:
    """The training data as a model file records it (found already, so no download here)."""
    from zerodl.datasets import find_dataset

    return find_dataset(args.dataset, args.data_dir, download=False).metadata()


CONV_MODELS = ("simple-conv", "deep-conv")
DEFAULT_LR = {"sgd": 0.1, "momentum": 0.01, "nesterov": 0.01, "adagrad": 0.01, "rmsprop": 0.001,
              "adam": 0.001}


def build_network(args, input_shape: tuple[int, ...]):
    from zerodl.nets import (
        DeepConvNet,
        MultiLayerNet,
        MultiLayerNetExtend,
        SimpleConvNet,
        TwoLayerNet,
    )

    if args.model == "simple-conv":
        return SimpleConvNet(input_dim=input_shape, seed=args.seed)
    if args.model == "deep-conv":
        return DeepConvNet(input_dim=input_shape, seed=args.seed)
    input_size = int(np.prod(input_shape))
    if args.model == "two-layer":
        hidden = _parse_hidden(args.hidden or "50")
        if len(hidden) != 1:
            raise UsageError("--model two-layer takes one hidden size, e.g. --hidden 50")
        return TwoLayerNet(input_size, hidden[0], 10, seed=args.seed)
    hidden = _parse_hidden(args.hidden or "100,100")
    common = {"activation": args.activation, "weight_init_std": args.init,
              "weight_decay_lambda": args.weight_decay, "seed": args.seed}
    if args.model == "mlp-extend":
        return MultiLayerNetExtend(input_size, hidden, 10, use_batchnorm=args.batchnorm,
                                   use_dropout=args.dropout > 0, dropout_ration=args.dropout or 0.5,
                                   **common)
    return MultiLayerNet(input_size, hidden, 10, **common)


def _file_md5(path: Path) -> str:
    import hashlib

    h = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def write_run_record(out: Path, args, network) -> None:
    """run.json: what is needed to trace a result: versions, seed, config, data checksums."""
    import json
    import platform

    from zerodl.atomic import atomic_write_bytes
    from zerodl.datasets import find_dataset
    from zerodl.datasets.sources import FILES

    location = find_dataset(args.dataset, args.data_dir, download=False)
    record = {
        "zerodl": __version__, "numpy": np.__version__, "python": platform.python_version(),
        "platform": platform.platform(), "started": datetime.now().isoformat(timespec="seconds"),
        "seed": args.seed, "command": {k: v for k, v in vars(args).items() if k != "func"},
        "model": network.model_name, "model_config": network.config(),
        "dataset": {"name": location.name, "path": str(location.path), "source": location.source,
                    "md5": {f: _file_md5(location.path / f) for f in FILES}},
    }
    atomic_write_bytes(out / "run.json", (json.dumps(record, indent=2) + "\n").encode())


def cmd_train(args) -> int:
    from zerodl.datasets import split_validation
    from zerodl.trainer import Trainer

    if args.resume and args.out is None:
        raise UsageError("--resume needs --out DIR, the run directory to continue")
    device = _device(args)
    conv = args.model in CONV_MODELS
    (x_train, t_train), (x_test, t_test) = _load_dataset(args, flatten=not conv)
    x_val = t_val = None
    if args.val_split:
        (x_train, t_train), (x_val, t_val) = split_validation(x_train, t_train, args.val_split,
                                                              args.seed)
    network = build_network(args, x_train.shape[1:]).to(device)
    out = Path(args.out) if args.out else Path("runs") / (
        f"{args.model}-{Path(args.dataset).name}-{datetime.now():%Y%m%d-%H%M%S}")
    if (out / "checkpoint.safetensors").exists() and not args.resume:
        raise UsageError(f"{out} already holds a run: add --resume to continue it, or choose"
                         " another --out")
    trainer = Trainer(network, x_train, t_train, x_test, t_test, epochs=args.epochs,
                      mini_batch_size=args.batch_size, optimizer=args.optimizer,
                      optimizer_param={"lr": args.lr or DEFAULT_LR[args.optimizer]},
                      x_val=x_val, t_val=t_val, seed=args.seed, out_dir=out,
                      verbose=not args.quiet, metadata=_dataset_meta(args))
    if not args.resume:
        write_run_record(out, args, network)
    start = time.perf_counter()
    trainer.train(resume=args.resume)
    wall = time.perf_counter() - start
    print(f"test accuracy {trainer.final_test_acc:.4f} ({args.model} on {args.dataset},"
          f" {args.epochs} epochs, {wall:.1f} s)")
    print(f"model: {out / 'model.safetensors'}  curves: {out / 'curves.png'}"
          f"  history: {out / 'metrics.csv'}")
    if args.dtype == "float16":
        from zerodl.io import convert_dtype, save_model

        half = convert_dtype(network, np.float16)
        save_model(half, out / "model-float16.safetensors", **_dataset_meta(args))
        accuracy = half.accuracy(x_test.astype(np.float16), t_test)
        print(f"float16 inference: test accuracy {accuracy:.4f}"
              f" ({out / 'model-float16.safetensors'})")
    return 0


# -- eval / predict ------------------------------------------------------------------------------
def _load_model(path):
    from zerodl.io import load_model

    return load_model(path)


def _model_inputs(model, x):
    """Reshape flat (N, 784) images to what the model's first layer expects."""
    shape = getattr(model, "input_shape", None)
    return x.reshape(x.shape[0], *shape) if shape else x.reshape(x.shape[0], -1)


def cmd_eval(args) -> int:
    model = _load_model(args.model_file)
    if args.dtype:
        from zerodl.io import convert_dtype

        model = convert_dtype(model, np.dtype(args.dtype))
    model.to(_device(args))
    dataset = args.dataset or getattr(model, "meta", {}).get("dataset")
    if not dataset:
        raise UsageError("name the dataset with --dataset")
    args.dataset = dataset
    _, (x_test, t_test) = _load_dataset(args)
    dtype = model.params["W1"].dtype
    predicted = model.predict_classes(_model_inputs(model, x_test.astype(dtype)))
    classes = getattr(model, "meta", {}).get("classes") or [str(i) for i in range(10)]
    n = len(classes)
    confusion = np.zeros((n, n), dtype=np.int64)
    np.add.at(confusion, (t_test, predicted), 1)
    accuracy = np.trace(confusion) / confusion.sum()
    print(f"accuracy {accuracy:.4f} on {t_test.size} test images of {dataset} ({dtype})")
    print("per-class accuracy:")
    for i, name in enumerate(classes):
        total = confusion[i].sum()
        print(f"  {i} {name:12} {confusion[i, i] / max(total, 1):.4f}  ({confusion[i, i]}/{total})")
    print("confusion matrix (rows: true class, columns: predicted):")
    print("      " + " ".join(f"{j:5d}" for j in range(n)))
    for i in range(n):
        print(f"  {i:3d} " + " ".join(f"{c:5d}" for c in confusion[i]))
    return 0


def cmd_predict(args) -> int:
    from zerodl.backend import to_numpy
    from zerodl.datasets.images import image_files, load_image
    from zerodl.functions import softmax

    model = _load_model(args.model_file).to(_device(args))
    meta = getattr(model, "meta", {})
    classes = meta.get("classes") or [str(i) for i in range(10)]
    for path in image_files(args.images):
        image = load_image(path, framing=meta.get("framing", "digit"))
        scores = model.predict(_model_inputs(model, image.reshape(1, -1).astype(np.float32)))
        probs = to_numpy(scores[0] if model.model_name == "three-layer" else softmax(scores[0]))
        top = np.argsort(probs)[::-1][:3]
        ranked = ", ".join(f"{classes[i]} ({probs[i]:.3f})" for i in top)
        print(f"{path}: {ranked}")
    return 0


# -- experiments ---------------------------------------------------------------------------------
def _print_results(results: dict, indent: str = "  ") -> None:
    for key, value in results.items():
        if isinstance(value, dict):
            print(f"{indent}{key}: " + ", ".join(f"{k} {v}" for k, v in value.items()))
        else:
            print(f"{indent}{key}: {value}")


def cmd_experiment(args) -> int:
    from zerodl.experiments import EXPERIMENTS

    if args.name not in EXPERIMENTS:
        raise UsageError(f"unknown experiment '{args.name}': use one of {', '.join(EXPERIMENTS)}")
    out = Path(args.out)
    start = time.perf_counter()
    results = EXPERIMENTS[args.name](out, full=args.full, seed=args.seed, dataset=args.dataset,
                                     data_dir=args.data_dir, download=not args.offline)
    print(f"{args.name} ({time.perf_counter() - start:.0f} s); figures in {out}/")
    _print_results(results)
    return 0


# -- figures -------------------------------------------------------------------------------------
def figure_dataset(args) -> str:
    """The digits the figures use: --dataset if given, else MNIST, else an MNIST subset folder
    (mnist-*, e.g. mnist-10k) under the data folder, since any real digits serve a figure."""

    from zerodl.datasets import find_dataset
    from zerodl.datasets.sources import FILES
    from zerodl.errors import DataError

    if args.dataset:
        return args.dataset
    try:
        find_dataset("mnist", args.data_dir, download=not args.offline)
        return "mnist"
    except DataError:
        root = args.data_dir or os.environ.get("ZERODL_DATA_DIR")
        subsets = sorted(p for p in Path(root).glob("mnist-*")
                         if all((p / f).is_file() for f in FILES)) if root else []
        if not subsets:
            raise
        log.info("MNIST not found; the figures use the digits in %s", subsets[0])
        return str(subsets[0])


def cmd_figures(args) -> int:
    from functools import cache

    from zerodl.datasets import load_mnist
    from zerodl.errors import DataError
    from zerodl.figures.catalog import draw_group, select
    from zerodl.figures.style import language

    out = Path(args.out)
    lang = args.lang or ("ja" if args.layout == "seed" else "en")
    groups = select(args.only)
    if any(g.needs_data for g in groups):
        try:
            args.dataset = figure_dataset(args)
        except DataError:
            args.dataset = "mnist"  # each data figure below reports that it is missing

    @cache
    def data():
        return load_mnist(dataset=args.dataset, data_dir=args.data_dir, download=not args.offline)

    missing = []
    with language(lang):
        for group in groups:
            start = time.perf_counter()
            try:
                results = draw_group(group, out, args.layout, data=data, quick=args.quick,
                                     seed=args.seed, dataset=args.dataset, data_dir=args.data_dir,
                                     download=not args.offline)
            except DataError as e:
                missing.append(group.name)
                print(f"chapter {group.chapter} {group.name}: not drawn, it needs the dataset"
                      f" '{args.dataset}': {str(e).splitlines()[0]}")
                continue
            files = group.files.values() if args.layout == "seed" else group.files
            print(f"chapter {group.chapter} {group.name}: {', '.join(files)}"
                  f" ({time.perf_counter() - start:.0f} s)")
            if isinstance(results, dict):
                _print_results(results, indent="    ")
    print(f"figures in {out}/")
    if missing:
        print(f"{len(missing)} group(s) need data: set ZERODL_DATA_DIR or --dataset (see"
              " 'zerodl data')")
        return 1
    return 0


# -- slides --------------------------------------------------------------------------------------
def cmd_slides(args) -> int:
    from zerodl.slides.deck import read_deck

    if args.action == "upgrade":
        return _slides_upgrade(args)
    deck = read_deck(args.deck)
    if args.action == "check":
        from zerodl.slides.check import check_deck

        report = check_deck(deck, run=not args.no_run, files=args.with_files or ())
        for problem in report.problems:
            print(problem)
        print(f"{args.deck}: {report.slides} slides, {report.examples} Python examples run,"
              f" {report.outputs} outputs compared: "
              + (f"{len(report.problems)} problem(s)" if report.problems else "all good"))
        return 1 if report.problems else 0
    from zerodl.slides.build import build

    if args.draw_figures:
        figures = argparse.Namespace(out=str(Path(args.deck).parent / "figures"), layout="seed",
                                     lang="ja", only=None, quick=False, seed=0,
                                     dataset=args.dataset, data_dir=args.data_dir,
                                     offline=args.offline)
        if cmd_figures(figures) != 0:
            return 1
    out = Path(args.out) if args.out else Path(args.deck).parent
    report = build(deck, out)
    for problem in report.problems:
        print(problem)
    print(f"{', '.join(str(p) for p in report.outputs.values())}: {report.pages} slides,"
          f" {report.images} images checked"
          + ("" if report.overflow_checked else " (overflow not checked: pip install playwright)")
          + (f"; {len(report.problems)} problem(s)" if report.problems else "; all good"))
    return 1 if report.problems else 0


def _slides_upgrade(args) -> int:
    from zerodl.atomic import atomic_write_bytes
    from zerodl.slides.upgrade import upgrade

    if not args.output:
        raise UsageError("zerodl slides upgrade OLD.md -o NEW.md: name the new deck with -o")
    source, target = Path(args.deck), Path(args.output)
    if target.exists() and (target.resolve() == source.resolve() or not args.force):
        raise UsageError(f"{target} exists: choose another -o, or add --force to replace it"
                         if target.resolve() != source.resolve() else
                         f"-o {target} is the deck being upgraded: write the new one beside it")
    try:
        text = source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise UsageError(f"{source}: cannot be read as UTF-8 text ({e})") from None
    result = upgrade(text)
    atomic_write_bytes(target, result.text.encode("utf-8"))
    if not args.quiet:
        for change in result.changes:
            print(f"  {change}")
    print(f"wrote {target}: {len(result.changes)} change(s) to today's Marp syntax")
    return 0


# -- search --------------------------------------------------------------------------------------
def cmd_search(args) -> int:
    from zerodl.search import SearchConfig, best_trials, completed, plot_search, run_search

    if args.trials < 0 or args.workers < 1:
        raise UsageError("--trials must be >= 0 and --workers >= 1")
    config = SearchConfig(out_dir=args.out, trials=args.trials, workers=args.workers,
                          epochs=args.epochs, seed=args.seed, sampler=args.sampler,
                          storage=args.storage, dataset=args.dataset, data_dir=args.data_dir,
                          download=not args.offline)
    start = time.perf_counter()
    study = run_search(config, resume=args.resume)
    done = completed(study)
    print(f"{len(done)} finished trials ({time.perf_counter() - start:.0f} s this run)")
    print(f"  {'trial':>5} {'val acc':>8} {'train acc':>9} {'lr':>10} {'weight decay':>12}")
    for t in best_trials(study):
        print(f"  {t.number:5d} {t.value:8.4f} {t.user_attrs.get('train_acc', float('nan')):9.4f}"
              f" {t.params['lr']:10.3e} {t.params['weight_decay']:12.3e}")
    plot_search(study, Path(args.out) / "search.png")
    print(f"best validation accuracy {study.best_value:.4f}; plot: {Path(args.out) / 'search.png'}")
    return 0


# -- import-book ---------------------------------------------------------------------------------
def cmd_import_book(args) -> int:
    from zerodl.book_weights import import_book_model
    from zerodl.datasets.mnist import dataset_metadata
    from zerodl.io import save_model

    net = import_book_model(args.pickle, args.model)
    save_model(net, args.out, **dataset_metadata(args.dataset))
    sizes = ", ".join(f"{k} {tuple(v.shape)}" for k, v in net.params.items())
    print(f"imported {args.model} from {args.pickle} (no code run): {sizes}")
    print(f"model: {args.out}")
    return 0


# -- export --------------------------------------------------------------------------------------
def cmd_export(args) -> int:
    from zerodl.export import IR_VERSION, OPSET, to_onnx

    to_onnx(_load_model(args.model_file), args.onnx)
    print(f"wrote {args.onnx} (ONNX opset {OPSET}, IR version {IR_VERSION}, float32)")
    return 0


# -- bench ---------------------------------------------------------------------------------------
def cmd_bench(args) -> int:
    from zerodl.bench import MODELS, format_table, run_benchmark, torch_available, write_json

    models = [m.strip() for m in args.models.split(",") if m.strip()]
    unknown = [m for m in models if m not in MODELS]
    if unknown:
        raise UsageError(f"unknown model(s) {', '.join(unknown)}: use {', '.join(MODELS)}")
    if not args.no_torch and not torch_available():
        log.info("PyTorch is not installed: measuring zerodl alone (pip install 'zerodl[bench]')")
    results = run_benchmark(models, repeats=args.repeats, with_torch=not args.no_torch,
                            memory=not args.no_memory, device=_device(args))
    print(format_table(results))
    write_json(results, args.json)
    print(f"results written to {args.json}")
    return 0


# -- gradcheck -----------------------------------------------------------------------------------
def cmd_gradcheck(args) -> int:
    from zerodl.gradient import gradient_check
    from zerodl.nets import (
        DeepConvNet,
        MultiLayerNet,
        MultiLayerNetExtend,
        SimpleConvNet,
        TwoLayerNet,
    )

    f64 = {"seed": args.seed, "dtype": np.float64}
    # small float64 versions of each network; (builder, input shape, check options)
    models = {
        "two-layer": (lambda: TwoLayerNet(12, 6, 10, weight_init_std=0.5, **f64), (12,), {}),
        "mlp": (lambda: MultiLayerNet(12, [8, 6], 10, activation="tanh", weight_init_std="xavier",
                                      weight_decay_lambda=0.1, **f64), (12,), {}),
        "mlp-extend": (lambda: MultiLayerNetExtend(12, [8, 6], 10, use_batchnorm=True, **f64),
                       (12,), {}),
        "simple-conv": (lambda: SimpleConvNet((1, 8, 8), {"filter_num": 3, "filter_size": 3}, 6,
                                              10, weight_init_std=0.3, **f64), (1, 8, 8), {}),
        # max-pool kinks need a finer probe; 30 sampled elements per tensor keep it quick
        "deep-conv": (lambda: DeepConvNet((1, 8, 8), hidden_size=6, dropout_ratio=0.0, **f64),
                      (1, 8, 8), {"h": 1e-6, "samples": 30}),
    }
    if args.model not in models:
        raise UsageError(f"unknown model '{args.model}': use one of {', '.join(models)}")
    build, shape, options = models[args.model]
    rng = np.random.default_rng(args.seed)
    x, t = rng.standard_normal((4, *shape)), rng.integers(0, 10, 4)
    errors = gradient_check(build(), x, t, **options)
    print(f"{args.model}: backprop vs numerical gradient (float64, batch of 4)")
    print(f"  {'parameter':10} max relative error")
    for key, err in errors.items():
        print(f"  {key:10} {err:.2e}")
    worst = max(errors.values())
    print(f"worst {worst:.2e}: {'OK' if worst < 1e-6 else 'MISMATCH'} (threshold 1e-6)")
    return 0 if worst < 1e-6 else 1


# -- parser --------------------------------------------------------------------------------------
class _Parser(argparse.ArgumentParser):
    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")


def _add_device_option(p) -> None:
    p.add_argument("--device", choices=["cpu", "cuda"],
                   help="cpu (NumPy) or cuda (CuPy); default: $ZERODL_DEVICE, else cpu")


def _device(args) -> str:
    from zerodl.backend import default_device, require_cupy

    device = args.device or default_device()
    if device == "cuda":
        require_cupy()
    return device


def _add_data_options(p, dataset: bool = False) -> None:
    """--data-dir and --offline; with dataset, also --dataset and --seed."""
    if dataset:
        p.add_argument("--dataset", default="mnist", help="mnist, fashion-mnist or a folder")
        p.add_argument("--seed", type=int, default=0)
    p.add_argument("--data-dir", help="folder holding <dataset>/ folders (default: $ZERODL_DATA_DIR)")
    p.add_argument("--offline", action="store_true", help="never download")


def make_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="zerodl", description="Deep Learning from Scratch, as real software.")
    parser.add_argument("--version", action="version", version=f"zerodl {__version__}")
    parser.add_argument("-q", "--quiet", action="store_true", help="less output")
    # -q also after the command; SUPPRESS keeps a subcommand from resetting a -q given before it
    quiet = argparse.ArgumentParser(add_help=False)
    quiet.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS,
                       help="less output")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser("gates", parents=[quiet], help="truth tables of the AND, OR, NAND and XOR perceptrons")
    p.set_defaults(func=cmd_gates)

    p = sub.add_parser("data", parents=[quiet], help="show where each dataset is, or download one")
    p.add_argument("names", nargs="*", metavar="[download] NAME",
                   help="datasets (mnist, fashion-mnist) or folders; 'download NAME' fetches one")
    _add_data_options(p)
    p.set_defaults(func=cmd_data)

    p = sub.add_parser("train", parents=[quiet], help="train a network (MNIST by default)")
    p.add_argument("--model", default="two-layer",
                   choices=["two-layer", "mlp", "mlp-extend", "simple-conv", "deep-conv"])
    p.add_argument("--hidden", help="hidden sizes, e.g. 50 or 100,100")
    p.add_argument("--activation", choices=["relu", "sigmoid", "tanh"], default="relu")
    p.add_argument("--init", default="he", help="weight init: he, xavier or a std (mlp)")
    p.add_argument("--weight-decay", type=float, default=0.0, help="L2 lambda (mlp)")
    p.add_argument("--batchnorm", action="store_true", help="Batch Normalization (mlp-extend)")
    p.add_argument("--dropout", type=float, default=0.0, help="dropout ratio (mlp-extend)")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch-size", type=int, default=100)
    p.add_argument("--lr", type=float, help="learning rate (default: 0.1 for sgd, 0.001 for adam)")
    p.add_argument("--optimizer", default="sgd",
                   choices=["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"])
    p.add_argument("--out", help="run directory (default: runs/MODEL-DATASET-TIME)")
    p.add_argument("--resume", action="store_true", help="continue the run in --out")
    p.add_argument("--val-split", type=float, default=0.0,
                   help="fraction of the training data held out for validation")
    p.add_argument("--dtype", choices=["float32", "float16"], default="float32",
                   help="float16: also save a half-precision model and report its accuracy")
    _add_device_option(p)
    _add_data_options(p, dataset=True)
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("eval", parents=[quiet], help="accuracy, per-class accuracy and confusion matrix")
    p.add_argument("model_file", metavar="MODEL")
    p.add_argument("--dataset", help="default: the dataset the model was trained on")
    p.add_argument("--dtype", choices=["float32", "float16", "float64"],
                   help="run inference in this precision")
    _add_device_option(p)
    _add_data_options(p)
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("predict", parents=[quiet], help="top-3 classes for image files or folders")
    p.add_argument("model_file", metavar="MODEL")
    p.add_argument("images", nargs="+", metavar="IMAGE")
    _add_device_option(p)
    p.set_defaults(func=cmd_predict)

    p = sub.add_parser("experiment", parents=[quiet], help="chapter 6's experiments, with figures")
    p.add_argument("name", help="optimizers-2d, optimizers-mnist, weight-init, batchnorm, overfit,"
                   " hyperparameter-search")
    p.add_argument("--out", default="figures", help="folder for the PNG figures")
    p.add_argument("--full", action="store_true", help="the book-scale version (slower)")
    _add_data_options(p, dataset=True)
    p.set_defaults(func=cmd_experiment)

    p = sub.add_parser("figures", parents=[quiet], help="every figure of the notes, chapter by chapter")
    p.add_argument("--out", default="figures", help="folder for the PNG files")
    p.add_argument("--only", nargs="+", metavar="NAME", help="figure groups or file names")
    p.add_argument("--quick", action="store_true", help="shorter training for the data figures")
    p.add_argument("--layout", choices=["flat", "seed"], default="flat",
                   help="flat: one folder (docs/figures); seed: the slide deck's chapter folders"
                   " (docs/slides/figures)")
    p.add_argument("--lang", choices=["en", "ja"],
                   help="language of the labels (default: ja for --layout seed, else en)")
    p.add_argument("--dataset", help="digits for the data figures (default: mnist, else an"
                   " mnist-* subset folder in the data folder)")
    p.add_argument("--seed", type=int, default=0)
    _add_data_options(p)
    p.set_defaults(func=cmd_figures)

    p = sub.add_parser("slides", parents=[quiet], help="Marp slide decks: upgrade, check, build")
    p.add_argument("action", choices=["upgrade", "check", "build"],
                   help="upgrade: old Marp syntax to today's; check: images and Python examples;"
                   " build: HTML and PDF with marp-cli, then check them")
    p.add_argument("deck", metavar="DECK.md")
    p.add_argument("-o", "--output", help="upgrade: the new deck to write")
    p.add_argument("--force", action="store_true", help="upgrade: replace an existing -o file")
    p.add_argument("--no-run", action="store_true", help="check: do not run the examples")
    p.add_argument("--with", dest="with_files", action="append", metavar="FILE",
                   help="check: a file the examples read, copied beside them (repeatable)")
    p.add_argument("--out", help="build: folder for the HTML and PDF (default: the deck's)")
    p.add_argument("--draw-figures", action="store_true",
                   help="build: first draw the deck's figures (zerodl figures --layout seed)"
                   " into its figures/ folder")
    p.add_argument("--dataset", help="build --draw-figures: digits for the data figures")
    _add_data_options(p)
    p.set_defaults(func=cmd_slides)

    p = sub.add_parser("search", parents=[quiet], help="random search of lr and weight decay (Optuna)")
    p.add_argument("--trials", type=int, default=20, help="trials (with --resume: trials to add)")
    p.add_argument("--workers", type=int, default=1, help="local worker processes")
    p.add_argument("--epochs", type=int, default=50, help="epochs per trial")
    p.add_argument("--sampler", choices=["random", "tpe"], default="random")
    p.add_argument("--storage", help="database URL shared by several machines (default: a"
                   " journal file in --out)")
    p.add_argument("--out", default="search", help="output directory")
    p.add_argument("--resume", action="store_true", help="continue the study in --out/--storage")
    _add_data_options(p, dataset=True)
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("import-book", parents=[quiet], help="convert the book's weight pickles, safely")
    p.add_argument("pickle", metavar="FILE.pkl")
    p.add_argument("--model", required=True, choices=["three-layer", "simple-conv", "deep-conv"])
    p.add_argument("--out", required=True, help="the zerodl model file to write")
    p.add_argument("--dataset", default="mnist", help="dataset the weights were trained on")
    p.set_defaults(func=cmd_import_book)

    p = sub.add_parser("export", parents=[quiet], help="write a model as ONNX")
    p.add_argument("model_file", metavar="MODEL")
    p.add_argument("--onnx", required=True, metavar="OUT.onnx")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("bench", parents=[quiet],
                       help="training and inference speed, beside PyTorch if installed")
    p.add_argument("--models", default="mlp,simple-conv,deep-conv")
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--json", default="bench.json", help="where to write the results")
    p.add_argument("--no-torch", action="store_true", help="skip PyTorch even if installed")
    p.add_argument("--no-memory", action="store_true", help="skip the peak-memory subprocesses")
    _add_device_option(p)
    p.set_defaults(func=cmd_bench)

    p = sub.add_parser("gradcheck", parents=[quiet], help="backprop against numerical gradients")
    p.add_argument("--model", default="two-layer")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=cmd_gradcheck)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING if args.quiet else logging.INFO,
                        format="zerodl: %(message)s")
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return args.func(args)
    except ZerodlError as e:
        from zerodl.trainer import TrainingInterrupted

        print(f"zerodl: {e}", file=sys.stderr)
        return 130 if isinstance(e, TrainingInterrupted) else 2
    except (ValueError, FileNotFoundError, IsADirectoryError, PermissionError) as e:
        print(f"zerodl: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("zerodl: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader of our output went away (e.g. `zerodl data | head`): not an error of ours
        sys.stdout = open(os.devnull, "w")
        return 0
