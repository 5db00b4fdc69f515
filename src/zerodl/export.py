"""ONNX export: a zerodl network as an ONNX graph that computes what network.predict computes.

Layers map one to one onto ONNX operators (Affine -> Gemm, Convolution -> Conv, Pooling ->
MaxPool, ...), in inference form: BatchNormalization uses its running averages and inverted
Dropout is the identity. Weights are exported as float32 (onnxruntime's CPU Conv has no float64)
at opset 17 with IR version 8, the lowest that opset needs, so older runtimes load the file.
"""

from __future__ import annotations

import numpy as np

from zerodl.atomic import atomic_write_bytes
from zerodl.errors import ZerodlError
from zerodl.layers import (
    Affine,
    AvgPooling,
    BatchNormalization,
    Convolution,
    Dropout,
    Flatten,
    Pooling,
    Relu,
    Sigmoid,
    Tanh,
)

OPSET = 17
IR_VERSION = 8


def require_onnx():
    try:
        # optional: pip install 'zerodl[onnx]'
        import onnx
    except ImportError:
        raise ZerodlError("ONNX export needs the onnx package: pip install 'zerodl[onnx]'") from None
    return onnx


class _Graph:
    """Collects nodes and float32 initializers, naming each intermediate tensor."""

    def __init__(self, onnx):
        self.onnx, self.nodes, self.initializers, self.count = onnx, [], [], 0

    def constant(self, name: str, array) -> str:
        # optional: pip install 'zerodl[onnx]'
        from onnx import numpy_helper

        self.initializers.append(numpy_helper.from_array(np.asarray(array, np.float32), name))
        return name

    def node(self, op: str, inputs: list[str], **attrs) -> str:
        self.count += 1
        out = f"{op.lower()}{self.count}"
        self.nodes.append(self.onnx.helper.make_node(op, inputs, [out], name=out, **attrs))
        return out


def _pads(pad: int) -> list[int]:
    return [pad, pad, pad, pad]


def _export_layer(g: _Graph, name: str, layer, x: str, rank: int) -> tuple[str, int]:
    """Append `layer` to the graph; returns the output tensor and its rank."""
    if isinstance(layer, Affine):
        if rank != 2:
            x = g.node("Flatten", [x], axis=1)
        W, b = g.constant(f"{name}.W", layer.W), g.constant(f"{name}.b", layer.b)
        return g.node("Gemm", [x, W, b]), 2
    if isinstance(layer, Convolution):
        FH, FW = layer.W.shape[2:]
        W, b = g.constant(f"{name}.W", layer.W), g.constant(f"{name}.b", layer.b)
        return g.node("Conv", [x, W, b], kernel_shape=[FH, FW], strides=[layer.stride] * 2,
                      pads=_pads(layer.pad)), 4
    if isinstance(layer, AvgPooling):
        return g.node("AveragePool", [x], kernel_shape=[layer.pool_h, layer.pool_w],
                      strides=[layer.stride] * 2, pads=_pads(layer.pad), count_include_pad=1), 4
    if isinstance(layer, Pooling):
        return g.node("MaxPool", [x], kernel_shape=[layer.pool_h, layer.pool_w],
                      strides=[layer.stride] * 2, pads=_pads(layer.pad)), 4
    if isinstance(layer, BatchNormalization):
        inputs = [x] + [g.constant(f"{name}.{k}", getattr(layer, k))
                        for k in ("gamma", "beta", "running_mean", "running_var")]
        return g.node("BatchNormalization", inputs, epsilon=float(layer.eps)), rank
    if isinstance(layer, Dropout):
        if layer.scale == "inverted":
            return x, rank
        return g.node("Mul", [x, g.constant(f"{name}.keep", 1.0 - layer.dropout_ratio)]), rank
    if isinstance(layer, Flatten):
        return g.node("Flatten", [x], axis=1), 2
    for cls, op in ((Relu, "Relu"), (Sigmoid, "Sigmoid"), (Tanh, "Tanh")):
        if isinstance(layer, cls):
            return g.node(op, [x]), rank
    raise ZerodlError(f"layer {name} ({type(layer).__name__}) has no ONNX export")


def to_onnx(network, path=None):
    """Build (and with `path`, write) the ONNX model of `network`; returns the ModelProto."""
    onnx = require_onnx()
    # optional: pip install 'zerodl[onnx]'
    from onnx import TensorProto, helper

    g = _Graph(onnx)
    if network.model_name == "three-layer":
        input_shape = [network.sizes[0]]
        x = "input"
        for i in (1, 2, 3):
            W = g.constant(f"W{i}", network.params[f"W{i}"])
            b = g.constant(f"b{i}", network.params[f"b{i}"])
            x = g.node("Gemm", [x, W, b])
            x = g.node("Sigmoid", [x]) if i < 3 else g.node("Softmax", [x], axis=1)
    else:
        input_shape = list(getattr(network, "input_shape", None) or
                           [network.params["W1"].shape[0]])
        x, rank = "input", 1 + len(input_shape)
        for name, layer in network.layers.items():
            x, rank = _export_layer(g, name, layer, x, rank)
    g.nodes.append(helper.make_node("Identity", [x], ["output"], name="output"))
    graph = helper.make_graph(
        g.nodes, f"zerodl-{network.model_name}",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", *input_shape])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["N", network.output_size])],
        initializer=g.initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="zerodl")
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model)
    if path is not None:
        atomic_write_bytes(path, model.SerializeToString())
    return model
