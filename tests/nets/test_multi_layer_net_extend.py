import numpy as np
import pytest

from zerodl.gradient import gradient_check
from zerodl.nets import MultiLayerNetExtend, load_model


def test_batchnorm_net_gradients():
    rng = np.random.default_rng(0)
    net = MultiLayerNetExtend(6, [5, 4], 3, use_batchnorm=True, weight_decay_lambda=0.1,
                              weight_init_std=0.5, seed=0, dtype=np.float64)
    x, t = rng.standard_normal((8, 6)), rng.integers(0, 3, 8)
    errors = gradient_check(net, x, t)
    assert {"gamma1", "beta1", "gamma2", "beta2"} <= set(errors)
    assert max(errors.values()) < 1e-6, errors


def test_running_statistics_are_saved_and_loaded(tmp_path):
    rng = np.random.default_rng(1)
    net = MultiLayerNetExtend(6, [5], 3, use_batchnorm=True, use_dropout=True, seed=0)
    x = rng.standard_normal((20, 6)).astype(np.float32) * 3 + 1
    net.loss_and_gradient(x, rng.integers(0, 3, 20))
    assert not np.allclose(net.buffers()["running_mean1"], 0)
    net.save(tmp_path / "bn.safetensors")
    loaded = load_model(tmp_path / "bn.safetensors")
    np.testing.assert_array_equal(loaded.buffers()["running_var1"], net.buffers()["running_var1"])
    np.testing.assert_array_equal(loaded.predict(x), net.predict(x))


@pytest.mark.parametrize("flags", [{"use_dropout": True}, {"use_batchnorm": True}])
def test_train_and_inference_differ(flags):
    net = MultiLayerNetExtend(6, [50], 3, seed=0, **flags)
    x = np.random.default_rng(2).standard_normal((10, 6)).astype(np.float32)
    assert not np.allclose(net.predict(x, train_flg=True), net.predict(x, train_flg=False))


def test_books_argument_names():
    net = MultiLayerNetExtend(input_size=4, hidden_size_list=[3], output_size=2, use_dropout=True,
                              dropout_ration=0.2, use_batchnorm=True)
    assert net.layers["Dropout1"].dropout_ratio == 0.2
    assert list(net.layers) == ["Affine1", "BatchNorm1", "Activation_function1", "Dropout1", "Affine2"]


def test_the_books_conventions_are_saved_and_loaded(tmp_path):
    net = MultiLayerNetExtend(4, [3], 2, use_dropout=True, use_batchnorm=True,
                              dropout_scale="book", batchnorm_style="book", dtype=np.float64)
    net.save(tmp_path / "m.safetensors")
    loaded = load_model(tmp_path / "m.safetensors")
    assert loaded.dtype == np.float64 and loaded.config() == net.config()
    assert loaded.layers["BatchNorm1"].eps == 1e-6 and loaded.layers["Dropout1"].scale == "book"
