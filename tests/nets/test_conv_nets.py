import numpy as np
import pytest

from zerodl.gradient import gradient_check
from zerodl.nets import DeepConvNet, SimpleConvNet, load_model


def test_simple_conv_net_gradients():
    rng = np.random.default_rng(0)
    net = SimpleConvNet(input_dim=(1, 8, 8), conv_param={"filter_num": 3, "filter_size": 3},
                        hidden_size=5, output_size=4, weight_init_std=0.3, seed=0, dtype=np.float64)
    x, t = rng.standard_normal((3, 1, 8, 8)), rng.integers(0, 4, 3)
    errors = gradient_check(net, x, t)
    assert sorted(errors) == ["W1", "W2", "W3", "b1", "b2", "b3"]
    assert max(errors.values()) < 1e-6, errors


def test_deep_conv_net_architecture():
    net = DeepConvNet(seed=0)
    shapes = {k: v.shape for k, v in net.params.items()}
    assert shapes["W1"] == (16, 1, 3, 3) and shapes["W4"] == (32, 32, 3, 3)
    assert shapes["W6"] == (64, 64, 3, 3) and shapes["W7"] == (64 * 4 * 4, 50)
    assert shapes["W8"] == (50, 10) and len(shapes) == 16
    assert net.params["W2"].std() == np.float32(np.sqrt(2 / (16 * 9))) or \
        abs(net.params["W2"].std() - np.sqrt(2 / (16 * 9))) < 0.01
    x = np.random.default_rng(0).random((2, 1, 28, 28)).astype(np.float32)
    assert net.predict(x).shape == (2, 10) and net.predict(x).dtype == np.float32


@pytest.mark.parametrize("seed", [0, 1])
def test_deep_conv_net_gradients_without_dropout(seed):
    rng = np.random.default_rng(seed)
    net = DeepConvNet(input_dim=(1, 8, 8), hidden_size=6, output_size=3, dropout_ratio=0.0,
                      seed=seed, dtype=np.float64)
    x, t = rng.standard_normal((2, 1, 8, 8)), rng.integers(0, 3, 2)
    # three max-pools: a probe of 1e-4 can cross a near-tie in a window, so probe with 1e-6;
    # 30 elements per parameter keeps the check to a few seconds
    errors = gradient_check(net, x, t, h=1e-6, samples=30, seed=seed)
    assert len(errors) == 16 and max(errors.values()) < 1e-6, errors


def test_dropout_only_in_training_mode():
    net = DeepConvNet(seed=2)
    x = np.random.default_rng(0).random((4, 1, 28, 28)).astype(np.float32)
    np.testing.assert_array_equal(net.predict(x), net.predict(x))
    assert not np.array_equal(net.predict(x, train_flg=True), net.predict(x, train_flg=True))
    net.train()
    assert not np.array_equal(net.predict(x), net.predict(x))
    net.eval()
    np.testing.assert_array_equal(net.predict(x), net.predict(x, train_flg=False))


def test_conv_nets_round_trip(tmp_path):
    x = np.random.default_rng(0).random((2, 1, 28, 28)).astype(np.float32)
    for net in (SimpleConvNet(seed=3), DeepConvNet(seed=3)):
        net.save(tmp_path / "m.safetensors")
        np.testing.assert_array_equal(load_model(tmp_path / "m.safetensors").predict(x), net.predict(x))


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_inference_gives_the_numbers_of_the_layers_one_by_one(dtype):
    """predict() in inference mode runs each Convolution-Relu(-Pooling) as one step
    (Convolution.infer): its scores are those of the layers called one after another, to the
    bit, and it groups the layers as the architecture puts them together."""
    x = np.random.default_rng(4).random((7, 1, 28, 28)).astype(dtype)
    # SimpleConvNet: conv-relu-pool, then Affine, Relu, Affine; DeepConvNet: conv-relu three
    # times, conv-relu-pool three times, then five layers of their own
    for net, steps in ((SimpleConvNet(seed=4, dtype=dtype), 4),
                       (DeepConvNet(seed=4, dtype=dtype), 11)):
        h = x
        with net._cores():  # as predict() does
            for layer in net.layers.values():
                h = layer.forward(h, False) if layer.has_train_mode else layer.forward(h)
        np.testing.assert_array_equal(net.predict(x), h)
        assert len(net._inference_steps()) == steps
