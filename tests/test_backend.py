import numpy as np
import pytest

from zerodl.backend import array_module, default_device, get_array_module, to_numpy
from zerodl.errors import ZerodlError
from zerodl.nets import SimpleConvNet, ThreeLayerNet


def test_numpy_is_the_default_module():
    assert get_array_module(np.zeros(2), 3.0) is np
    assert array_module("cpu") is np
    assert isinstance(to_numpy([1, 2]), np.ndarray)


def test_moving_to_cpu_keeps_layers_and_params_shared():
    net = SimpleConvNet(seed=0).to("cpu")
    assert net.layers["Conv1"].W is net.params["W1"]
    three = ThreeLayerNet({k: np.ones((2, 2)) if k.startswith("W") else np.ones(2)
                           for k in ("W1", "b1", "W2", "b2", "W3", "b3")}).to("cpu")
    assert three.predict(np.ones((1, 2))).shape == (1, 2)


def test_bad_devices_are_named(monkeypatch):
    monkeypatch.setenv("ZERODL_DEVICE", "gpu")
    with pytest.raises(ZerodlError, match="ZERODL_DEVICE='gpu'"):
        default_device()
    with pytest.raises(ZerodlError, match="unknown device 'tpu'"):
        array_module("tpu")


def test_cuda_without_cupy_says_how_to_install():
    try:
        import cupy  # noqa: F401
    except ImportError:
        with pytest.raises(ZerodlError, match=r"pip install 'zerodl\[cuda\]'"):
            array_module("cuda")
    else:
        pytest.skip("CuPy is installed here")
