"""`zerodl import-book FILE.pkl`: the book's weight pickles as zerodl model files, safely."""

from __future__ import annotations

from zerodl.book_weights import import_book_model
from zerodl.cli.common import in_file, out_file
from zerodl.datasets.mnist import dataset_metadata
from zerodl.io import save_model


def add_parser(sub, parents) -> None:
    p = sub.add_parser("import-book", parents=parents,
                       help="convert the book's weight pickles, safely")
    p.add_argument("pickle", metavar="FILE.pkl", type=in_file)
    p.add_argument("--model", required=True, choices=["three-layer", "simple-conv", "deep-conv"])
    p.add_argument("--out", required=True, type=out_file, help="the zerodl model file to write")
    p.add_argument("--dataset", default="mnist", help="dataset the weights were trained on")
    p.set_defaults(func=run)


def run(args) -> int:
    net = import_book_model(args.pickle, args.model)
    save_model(net, args.out, **dataset_metadata(args.dataset))
    sizes = ", ".join(f"{k} {tuple(v.shape)}" for k, v in net.params.items())
    print(f"imported {args.model} from {args.pickle} (no code run): {sizes}")
    print(f"model: {args.out}")
    return 0
