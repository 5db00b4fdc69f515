"""The same networks on CuPy give what they give on NumPy. Run by scripts/gpu-check on a CUDA
machine; skipped without CuPy, unless ZERODL_REQUIRE_CUDA=1 (set by that script) makes it fail."""

import os

import numpy as np
import pytest

from zerodl.nets import DeepConvNet, MultiLayerNet, MultiLayerNetExtend, SimpleConvNet


@pytest.fixture(scope="module")
def cupy():
    from zerodl.backend import require_cupy
    from zerodl.errors import ZerodlError

    try:
        return require_cupy()
    except ZerodlError as e:
        if os.environ.get("ZERODL_REQUIRE_CUDA") == "1":
            raise
        pytest.skip(f"needs CuPy and a CUDA device ({e})")


NETS = {
    "mlp": (lambda: MultiLayerNet(20, [16, 12], 5, activation="tanh", weight_decay_lambda=0.1,
                                  seed=0), (20,)),
    "batchnorm": (lambda: MultiLayerNetExtend(20, [16], 5, use_batchnorm=True, seed=0), (20,)),
    "simple-conv": (lambda: SimpleConvNet(seed=0), (1, 28, 28)),
    "deep-conv": (lambda: DeepConvNet(seed=0, dropout_ratio=0.0), (1, 28, 28)),
}


@pytest.mark.parametrize("name", list(NETS))
def test_gpu_matches_cpu(cupy, name):
    build, shape = NETS[name]
    rng = np.random.default_rng(1)
    x = rng.random((8, *shape), dtype=np.float32)
    t = rng.integers(0, 5, 8)
    cpu, gpu = build(), build().to("cuda")
    assert all(type(p).__module__.startswith("cupy") for p in gpu.params.values())
    np.testing.assert_allclose(cupy.asnumpy(gpu.predict(x)), cpu.predict(x), rtol=1e-4, atol=1e-5)
    loss_cpu, grads_cpu = cpu.loss_and_gradient(x, t)
    loss_gpu, grads_gpu = gpu.loss_and_gradient(x, t)
    assert loss_gpu == pytest.approx(loss_cpu, rel=1e-4)
    for key in grads_cpu:
        np.testing.assert_allclose(cupy.asnumpy(grads_gpu[key]), grads_cpu[key], rtol=1e-3,
                                   atol=1e-5, err_msg=key)


def test_im2col_on_gpu(cupy):
    from zerodl.im2col import col2im, im2col

    x = np.random.default_rng(2).standard_normal((2, 3, 7, 7)).astype(np.float32)
    col = im2col(cupy.asarray(x), 3, 3, 2, 1)
    np.testing.assert_allclose(cupy.asnumpy(col), im2col(x, 3, 3, 2, 1))
    back = col2im(col, x.shape, 3, 3, 2, 1)
    np.testing.assert_allclose(cupy.asnumpy(back), col2im(im2col(x, 3, 3, 2, 1), x.shape, 3, 3, 2, 1),
                               rtol=1e-5)


def test_training_with_checkpoint_on_gpu(cupy, tmp_path):
    from zerodl.trainer import Trainer

    rng = np.random.default_rng(3)
    x = rng.random((120, 20), dtype=np.float32)
    t = (x[:, 0] > 0.5).astype(np.int64)

    def trainer(out=None):
        net = MultiLayerNetExtend(20, [16], 2, use_dropout=True, seed=0).to("cuda")
        return Trainer(net, x, t, x, t, epochs=3, mini_batch_size=32, optimizer="adam",
                       optimizer_param={"lr": 0.01}, verbose=False, out_dir=out)

    a = trainer(tmp_path)
    a.train()
    b = trainer(tmp_path)
    b.epochs = 4
    b.train(resume=True)
    assert len(b.train_acc_list) == 4 and b.train_acc_list[-1] > 0.8
