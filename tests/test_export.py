import numpy as np
import pytest

onnxruntime = pytest.importorskip("onnxruntime", reason="ONNX export is an optional extra")

from zerodl.export import IR_VERSION, OPSET, to_onnx  # noqa: E402
from zerodl.nets import (  # noqa: E402
    DeepConvNet,
    MultiLayerNet,
    MultiLayerNetExtend,
    SimpleConvNet,
    ThreeLayerNet,
    load_model,
)


def run_onnx(model, x):
    session = onnxruntime.InferenceSession(model.SerializeToString(),
                                           providers=["CPUExecutionProvider"])
    return session.run(["output"], {"input": x})[0]


def trained_batchnorm_net():
    rng = np.random.default_rng(0)
    net = MultiLayerNetExtend(20, [16, 12], 5, activation="tanh", use_batchnorm=True,
                              use_dropout=True, seed=0)
    for _ in range(5):  # move the running averages away from their initial values
        net.loss_and_gradient(rng.standard_normal((32, 20)).astype(np.float32) * 2 + 1,
                              rng.integers(0, 5, 32))
    return net


@pytest.mark.parametrize("make", [
    lambda: MultiLayerNet(20, [16, 12], 5, activation="sigmoid", seed=0),
    lambda: SimpleConvNet(seed=0),
    lambda: DeepConvNet(seed=0),
    trained_batchnorm_net,
    lambda: DeepConvNet(seed=1, dropout_scale="book"),
], ids=["mlp", "simple-conv", "deep-conv", "batchnorm", "deep-conv-book-dropout"])
def test_onnx_graph_computes_what_predict_computes(make, tmp_path):
    net = make()
    shape = getattr(net, "input_shape", None) or (net.params["W1"].shape[0],)
    x = np.random.default_rng(1).random((7, *shape), dtype=np.float32)
    model = to_onnx(net, tmp_path / "m.onnx")
    assert model.opset_import[0].version == OPSET and model.ir_version == IR_VERSION
    assert (tmp_path / "m.onnx").stat().st_size > 0
    np.testing.assert_allclose(run_onnx(model, x), net.predict(x), atol=1e-5, rtol=0)


def test_three_layer_net_exports_with_softmax():
    rng = np.random.default_rng(2)
    params = {}
    for i, (a, b) in enumerate(((784, 50), (50, 100), (100, 10)), start=1):
        params[f"W{i}"] = rng.standard_normal((a, b)).astype(np.float32) * 0.1
        params[f"b{i}"] = rng.standard_normal(b).astype(np.float32) * 0.1
    net = ThreeLayerNet(params)
    x = rng.random((4, 784), dtype=np.float32)
    np.testing.assert_allclose(run_onnx(to_onnx(net), x), net.predict(x), atol=1e-6)


def test_export_command(tmp_path, capsys):
    from zerodl.cli import main

    SimpleConvNet(seed=0).save(tmp_path / "m.safetensors")
    assert main(["export", str(tmp_path / "m.safetensors"), "--onnx", str(tmp_path / "m.onnx")]) == 0
    assert "opset 17" in capsys.readouterr().out
    x = np.zeros((1, 1, 28, 28), np.float32)
    import onnx

    np.testing.assert_allclose(run_onnx(onnx.load(str(tmp_path / "m.onnx")), x),
                               load_model(tmp_path / "m.safetensors").predict(x), atol=1e-5)
