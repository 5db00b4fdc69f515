"""`zerodl export MODEL --onnx OUT`: a model as ONNX, computing what its predict computes."""

from __future__ import annotations

from zerodl.cli.common import in_file, out_file
from zerodl.export import IR_VERSION, OPSET, to_onnx
from zerodl.nets import load_model


def add_parser(sub, parents) -> None:
    p = sub.add_parser("export", parents=parents, help="write a model as ONNX")
    p.add_argument("model_file", metavar="MODEL", type=in_file)
    p.add_argument("--onnx", required=True, metavar="OUT.onnx", type=out_file)
    p.set_defaults(func=run)


def run(args) -> int:
    to_onnx(load_model(args.model_file), args.onnx)
    print(f"wrote {args.onnx} (ONNX opset {OPSET}, IR version {IR_VERSION}, float32)")
    return 0
