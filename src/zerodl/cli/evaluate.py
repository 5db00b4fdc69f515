"""`zerodl eval MODEL`: accuracy, per-class accuracy and the confusion matrix on the test set."""

from __future__ import annotations

import numpy as np

from zerodl.cli.common import (
    UsageError,
    add_data_options,
    add_device_option,
    device,
    in_file,
    load_dataset,
)
from zerodl.nets import convert_dtype, load_model
from zerodl.prediction import class_names, model_input


def add_parser(sub, parents) -> None:
    p = sub.add_parser("eval", parents=parents, help="accuracy, per-class accuracy and confusion matrix")
    p.add_argument("model_file", metavar="MODEL", type=in_file)
    p.add_argument("--dataset", help="default: the dataset the model was trained on")
    p.add_argument("--dtype", choices=["float32", "float16", "float64"],
                   help="run inference in this precision")
    add_device_option(p)
    add_data_options(p)
    p.set_defaults(func=run)


def run(args) -> int:
    model = load_model(args.model_file)
    if args.dtype:
        model = convert_dtype(model, np.dtype(args.dtype))
    model.to(device(args))
    meta = getattr(model, "meta", {})
    dataset = args.dataset or meta.get("dataset")
    if not dataset:
        raise UsageError(f"{args.model_file} does not say what it was trained on: name the"
                         " dataset with --dataset")
    args.dataset = dataset
    _, (x_test, t_test) = load_dataset(args)
    dtype = model.params["W1"].dtype
    predicted = model.predict_classes(model_input(model, x_test.astype(dtype)))
    classes = class_names(model)
    n = len(classes)
    if t_test.size and t_test.max() >= n:
        raise UsageError(f"{dataset} has labels up to {t_test.max()}, and {args.model_file} knows"
                         f" {n} classes")
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
