"""load_mnist: the book's loader, finding, verifying, downloading and caching the data for real.

Named datasets ("mnist", "fashion-mnist") are looked for, in this order, in the `data_dir`
argument, in $ZERODL_DATA_DIR, in the user cache, in the system folder of Debian's package, and
finally downloaded into the user cache. Each of those folders holds a `<dataset>/` folder with the
four standard files. A path instead of a name loads that folder as it is (no checksums known).

An alias points a name at a folder of the user's choosing ($ZERODL_DATASET_ALIASES, entries
NAME=FOLDER separated by the platform's path separator, e.g. `mnist=~/data/mnist-10k`): with it,
code written for `load_mnist()` runs on any four IDX files. An aliased name is never the verified
dataset: it loads the folder as a path would, and is recorded as that folder's path.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from zerodl.atomic import atomic_open
from zerodl.datasets.download import _digest, download_dataset, verify_file
from zerodl.datasets.idx import IdxHeader, check_budget, read_idx, read_idx_header
from zerodl.datasets.sources import (
    DATASETS,
    FILES,
    TEST_IMAGES,
    TEST_LABELS,
    TRAIN_IMAGES,
    TRAIN_LABELS,
    DatasetSpec,
)
from zerodl.errors import DataError

log = logging.getLogger("zerodl.datasets")

NUM_CLASSES = 10
ALIASES_ENV = "ZERODL_DATASET_ALIASES"


def cache_dir() -> Path:
    """The user cache: $ZERODL_CACHE_DIR, else $XDG_CACHE_HOME/zerodl, else ~/.cache/zerodl."""
    if os.environ.get("ZERODL_CACHE_DIR"):
        return Path(os.environ["ZERODL_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "zerodl"


@dataclass
class DatasetLocation:
    """Where a dataset was found: the folder, how it was found, and what was rejected on the way.

    `name` is what a run records: the named dataset when its checksums were verified, else the
    folder's path. `spec` is set only for a verified named dataset.
    """

    name: str
    path: Path
    source: str
    spec: DatasetSpec | None = None
    rejected: list[str] = field(default_factory=list)
    alias: str | None = None

    def metadata(self) -> dict:
        """What a model file keeps of its data: the dataset, its class names, and how predict
        frames a picture (Fashion-MNIST's items fill their box, digits sit in a 20x20 one)."""
        return _metadata(self.name, self.spec or DATASETS.get(self.alias or ""))


def _metadata(recorded: str, kind: DatasetSpec | None) -> dict:
    return {"dataset": recorded,
            "classes": list(kind.classes) if kind else [str(i) for i in range(NUM_CLASSES)],
            "framing": "fit" if kind and kind.name == "fashion-mnist" else "digit"}


def dataset_metadata(dataset: str) -> dict:
    """Like DatasetLocation.metadata, for data that is only named (the book's weights were
    trained on MNIST, which need not be on this machine): a known name, else a folder's path."""
    spec = DATASETS.get(dataset)
    return _metadata(dataset if spec else str(Path(dataset).expanduser().resolve()), spec)


def dataset_aliases() -> dict[str, Path]:
    """The names that $ZERODL_DATASET_ALIASES points at folders: {name: folder}."""
    aliases = {}
    for entry in os.environ.get(ALIASES_ENV, "").split(os.pathsep):
        if not entry.strip():
            continue
        name, sep, folder = entry.partition("=")
        if not sep or not name.strip() or not folder.strip():
            raise DataError(f"{ALIASES_ENV}: '{entry}' is not NAME=FOLDER")
        aliases[name.strip()] = Path(folder.strip()).expanduser()
    return aliases


def _candidates(name: str, data_dir) -> list[tuple[Path, str]]:
    spec = DATASETS[name]
    places = []
    if data_dir is not None:
        places.append((Path(data_dir) / name, "--data-dir"))
    if os.environ.get("ZERODL_DATA_DIR"):
        places.append((Path(os.environ["ZERODL_DATA_DIR"]) / name, "ZERODL_DATA_DIR"))
    places.append((cache_dir() / name, "user cache"))
    places.extend((Path(d), "system folder") for d in spec.system_dirs)
    return places


def _parsed_cache_path(path: Path) -> Path:
    """Where the parsed array of `path` is cached: named by the SHA-256 of the file's bytes.

    An entry stands for exactly those bytes, wherever they were found, and says nothing about
    whose they are: a named dataset is verified against its checksums on every load, cache or not.
    """
    with open(path, "rb") as f:
        return cache_dir() / "parsed" / f"{_digest(f, 'sha256')}.npy"


def _folder_problem(folder: Path, spec: DatasetSpec | None) -> str | None:
    """None if `folder` holds the four files and each passes its checksum, else what is wrong."""
    if not folder.is_dir():
        return "no such folder"
    missing = [f for f in FILES if not (folder / f).is_file()]
    if missing:
        return "missing " + ", ".join(missing)
    if spec is None:
        return None
    for f in FILES:
        reason = verify_file(folder / f, spec)
        if reason:
            return f"{folder / f}: {reason}; not used"
    return None


def _how_to_provide(name: str) -> str:
    spec = DATASETS.get(name)
    lines = [
        f"Provide the four files ({', '.join(FILES)}) in a folder named '{name}' inside a"
        " data folder, and point ZERODL_DATA_DIR (or --data-dir) at that data folder;",
        f"or run 'zerodl data download {name}' on a machine that reaches a mirror.",
    ]
    if spec and spec.system_dirs:
        lines.append("On Debian or Ubuntu: 'apt-get install dataset-fashion-mnist' installs it in"
                     f" {spec.system_dirs[0]}.")
    return "\n  ".join(lines)


def find_dataset(dataset: str = "mnist", data_dir=None, download: bool = True,
                 progress: bool = False) -> DatasetLocation:
    """Locate (and if needed download) a dataset; raises DataError listing every place looked at."""
    aliases = dataset_aliases()
    if dataset in aliases:
        folder = aliases[dataset]
        problem = _folder_problem(folder, None)
        if problem:
            raise DataError(f"dataset '{dataset}' is an alias ({ALIASES_ENV}) of {folder}: {problem}")
        return DatasetLocation(str(folder.resolve()), folder, f"{ALIASES_ENV} alias",
                               alias=dataset)
    if dataset not in DATASETS:
        folder = Path(dataset).expanduser()
        if not folder.exists() and os.sep not in dataset and "/" not in dataset:
            raise DataError(
                f"unknown dataset '{dataset}': use one of {', '.join(DATASETS)} or a path to a"
                " folder that holds the four IDX files"
            )
        problem = _folder_problem(folder, None)
        if problem:
            raise DataError(f"dataset folder {folder}: {problem}")
        return DatasetLocation(str(folder.resolve()), folder, "path")

    spec = DATASETS[dataset]
    looked: list[str] = []
    for folder, source in _candidates(dataset, data_dir):
        problem = _folder_problem(folder, spec)
        if problem is None:
            return DatasetLocation(dataset, folder, source, spec, looked)
        looked.append(f"{folder} ({source}): {problem}")
        if "checksum" in problem:
            log.warning("%s: %s", dataset, looked[-1])

    if download:
        target = cache_dir() / dataset
        problems = download_dataset(spec, target, FILES, progress=progress)
        problem = _folder_problem(target, spec)
        if problem is None:
            return DatasetLocation(dataset, target, "downloaded", spec, looked)
        looked.extend(f"download: {p}" for p in problems)
    else:
        looked.append("download: not attempted (offline)")
    raise DataError(
        f"dataset '{dataset}' not found. Looked at:\n  - " + "\n  - ".join(looked)
        + "\n  " + _how_to_provide(dataset)
    )


def _read_cached(path: Path, header: IdxHeader) -> np.ndarray:
    """read_idx with a .npy cache in the user cache, so a second load skips gunzip and parsing.

    An entry is used only when it has exactly the shape and type that the file's (checked and
    budgeted) header declares; it is mapped, not read, until that is known.
    """
    cached = _parsed_cache_path(path)
    if cached.exists():
        try:
            array = np.load(cached, mmap_mode="r", allow_pickle=False)
            if array.shape == header.shape and array.dtype == np.uint8:
                return np.array(array)
        except (OSError, ValueError):
            pass  # a damaged cache entry is rebuilt below from the source
    array = read_idx(path, expected_ndim=len(header.shape), expected_dtype=np.uint8)
    try:
        with atomic_open(cached) as f:
            np.save(f, array, allow_pickle=False)
    except OSError as e:
        log.debug("could not cache %s: %s", path, e)
    return array


def _read_split(folder: Path, images_file: str, labels_file: str) -> tuple[np.ndarray, np.ndarray]:
    # the counts are compared from the headers, before gigabytes are decompressed for nothing
    image_header = read_idx_header(folder / images_file, 3, np.uint8)
    label_header = read_idx_header(folder / labels_file, 1, np.uint8)
    if image_header.shape[0] != label_header.shape[0]:
        raise DataError(
            f"{folder}: {images_file} holds {image_header.shape[0]} images but {labels_file} holds"
            f" {label_header.shape[0]} labels"
        )
    check_budget(image_header, str(folder / images_file))
    check_budget(label_header, str(folder / labels_file))
    images = _read_cached(folder / images_file, image_header)
    labels = _read_cached(folder / labels_file, label_header)
    if labels.size and labels.max() >= NUM_CLASSES:
        raise DataError(f"{folder / labels_file}: label {labels.max()} is outside 0..9")
    return images, labels


def load_raw(dataset: str = "mnist", data_dir=None, download: bool = True,
             progress: bool = False):
    """The uint8 arrays ((train images (N, H, W), labels (N,)), (test ...)) and their location."""
    location = find_dataset(dataset, data_dir, download, progress)
    log.debug("%s: using %s (%s)", location.name, location.path, location.source)
    train = _read_split(location.path, TRAIN_IMAGES, TRAIN_LABELS)
    test = _read_split(location.path, TEST_IMAGES, TEST_LABELS)
    return train, test, location


def one_hot(labels: np.ndarray, num_classes: int = NUM_CLASSES) -> np.ndarray:
    """Integer labels (N,) -> one-hot float32 (N, num_classes)."""
    out = np.zeros((labels.shape[0], num_classes), dtype=np.float32)
    out[np.arange(labels.shape[0]), labels] = 1
    return out


def _prepare(images: np.ndarray, labels: np.ndarray, normalize: bool, flatten: bool,
             one_hot_label: bool):
    x = images.astype(np.float32) / 255.0 if normalize else images
    n = images.shape[0]
    x = x.reshape(n, -1) if flatten else x.reshape(n, 1, *images.shape[1:])
    t = one_hot(labels) if one_hot_label else labels.astype(np.int64)
    return x, t


def load_mnist(normalize: bool = True, flatten: bool = True, one_hot_label: bool = False, *,
               dataset: str = "mnist", data_dir=None, download: bool = True):
    """The book's loader: returns (x_train, t_train), (x_test, t_test).

    Images are float32 in [0, 1] when `normalize` (uint8 otherwise), shaped (N, 784) when
    `flatten`, else (N, 1, 28, 28). Labels are int64 (N,), or one-hot float32 (N, 10).
    """
    (train_x, train_t), (test_x, test_t), _ = load_raw(dataset, data_dir, download)
    return (_prepare(train_x, train_t, normalize, flatten, one_hot_label),
            _prepare(test_x, test_t, normalize, flatten, one_hot_label))


def split_validation(x: np.ndarray, t: np.ndarray, ratio: float, seed: int | None = 0):
    """Carve a shuffled validation split from training data: returns (x_tr, t_tr), (x_val, t_val)."""
    if not 0 < ratio < 1:
        raise ValueError(f"validation ratio must lie strictly between 0 and 1, got {ratio}")
    n_val = int(round(x.shape[0] * ratio))
    if n_val == 0 or n_val == x.shape[0]:
        raise ValueError(f"a {ratio} validation split of {x.shape[0]} samples leaves a side empty")
    order = np.random.default_rng(seed).permutation(x.shape[0])
    val, train = order[:n_val], order[n_val:]
    return (x[train], t[train]), (x[val], t[val])
