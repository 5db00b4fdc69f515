"""`zerodl data`: where each dataset was found and what it holds; `zerodl data download NAME`."""

from __future__ import annotations

import numpy as np

from zerodl.cli.common import UsageError, add_data_options
from zerodl.datasets import DATASETS, dataset_aliases, find_dataset, load_raw
from zerodl.errors import DataError


def add_parser(sub, parents) -> None:
    p = sub.add_parser("data", parents=parents, help="show where each dataset is, or download one")
    p.add_argument("names", nargs="*", metavar="[download] NAME",
                   help="datasets (mnist, fashion-mnist), aliases or folders; 'download NAME'"
                   " fetches one")
    add_data_options(p)
    p.set_defaults(func=run)


def run(args) -> int:
    names = list(args.names)
    if names and names[0] == "download":
        return _download(names[1:], args)
    if names and names[0] == "show":
        names = names[1:]
    shown = names or [*DATASETS, *(a for a in dataset_aliases() if a not in DATASETS)]
    missing = 0
    for name in shown:
        try:
            (x, t), (xt, tt), loc = load_raw(name, args.data_dir,
                                             download=not args.offline and bool(names))
        except DataError as e:
            if names:  # a dataset asked for by name must be there
                raise
            print(f"{name}: not available\n  {e}\n")
            missing += 1
            continue
        print(f"{name}: {loc.path} ({loc.source}{', checksums verified' if loc.spec else ''})")
        for split, images, labels in (("train", x, t), ("test", xt, tt)):
            counts = np.bincount(labels, minlength=10)
            print(f"  {split:5} {images.shape[0]:6d} images of {images.shape[1]}x{images.shape[2]};"
                  f" per class: {' '.join(str(c) for c in counts)}")
        print()
    if missing == len(shown):
        raise UsageError("no dataset is available: see above how to provide one")
    return 0


def _download(names: list[str], args) -> int:
    if not names:
        raise UsageError("zerodl data download: name a dataset (" + ", ".join(DATASETS) + ")")
    unknown = [n for n in names if n not in DATASETS]
    if unknown:
        raise UsageError(f"unknown dataset '{unknown[0]}': use one of {', '.join(DATASETS)}")
    for name in names:
        loc = find_dataset(name, args.data_dir, download=True, progress=True)
        print(f"{name}: {loc.path} ({loc.source})")
    return 0
