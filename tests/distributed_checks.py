"""Checks of zerodl.distributed that need several ranks: tests/test_distributed.py runs this
script under `mpiexec -n N python tests/distributed_checks.py MODEL STEPS OUT.json`, and rank 0
writes what it measured to OUT.json.

For MODEL (see NETWORKS) on random data, every rank also keeps a one-process copy of the network,
and for each of STEPS global batches of 100 (cut into uneven shares when N does not divide 100):

- the one-process copy is given the data-parallel network's weights and buffers, and the loss
  and gradients of both are compared: the arithmetic of one step, free of the drift that
  rounding makes over a run;
- the data-parallel network takes an Adam step; at the end every rank's weights are hashed, to
  show that all ranks hold the same bits.
"""

from __future__ import annotations

import hashlib
import json
import sys

import numpy as np

from zerodl.distributed import DataParallel, world
from zerodl.init import constant, gaussian
from zerodl.io import state_dict
from zerodl.layers import Affine, BatchNormalization, Convolution, Flatten, Relu
from zerodl.nets import MultiLayerNetExtend, Network, SimpleConvNet
from zerodl.optimizers import Adam

BATCH = 100


class ConvBatchNormNet(Network):
    """conv - BatchNorm over channels (4-D) - relu - affine: no zerodl model has this, but a
    user's network may."""

    model_name = "conv-bn-check"

    def __init__(self, seed: int) -> None:
        super().__init__(seed=seed)
        self.add_layer("Conv1", Convolution(gaussian(self.rng, (4, 1, 3, 3), 0.3, np.float32),
                                            constant(4, 0, np.float32)), W="W1", b="b1")
        self.add_layer("BatchNorm1", BatchNormalization(constant(4, 1, np.float32),
                                                        constant(4, 0, np.float32)),
                       gamma="gamma1", beta="beta1",
                       buffers={"running_mean": "running_mean1", "running_var": "running_var1"})
        self.add_layer("Relu1", Relu())
        self.add_layer("Flatten", Flatten())
        self.add_layer("Affine1", Affine(gaussian(self.rng, (4 * 8 * 8, 10), 0.1, np.float32),
                                         constant(10, 0, np.float32)), W="W2", b="b2")

    def config(self) -> dict:
        return {"output_size": 10}


# name: (the network, the shape of one input, the biases that feed a BatchNormalization: its
# mean removes them, so their gradient is zero in exact arithmetic, and rounding noise in both
# computations; they are compared with the largest gradient instead of with themselves)
NETWORKS = {
    # BatchNorm on features, Dropout, weight decay
    "mlp-bn-dropout": (lambda: MultiLayerNetExtend(30, [20, 20], 10, weight_decay_lambda=0.01,
                                                   use_batchnorm=True, use_dropout=True,
                                                   dropout_ration=0.3, seed=0), (30,), ("b1", "b2")),
    "simple-conv": (lambda: SimpleConvNet((1, 10, 10), {"filter_num": 4, "filter_size": 3},
                                          hidden_size=20, seed=0), (1, 10, 10), ()),
    "conv-bn": (lambda: ConvBatchNormNet(seed=0), (1, 10, 10), ("b1",)),
}


def relative(a, b) -> float:
    return float(np.linalg.norm(np.asarray(a) - b) / max(np.linalg.norm(b), 1e-30))


def main(model: str, steps: int, out: str) -> None:
    comm = world()
    build, shape, cancelled = NETWORKS[model]
    rng = np.random.default_rng(1)
    x = rng.standard_normal((steps * BATCH, *shape)).astype(np.float32)
    t = rng.integers(0, 10, steps * BATCH)
    network, alone = build(), build()
    parallel = DataParallel(network, comm)
    optimizer = Adam(lr=0.01)
    loss_error = gradient_error = 0.0
    for step in range(steps):
        batch = slice(step * BATCH, (step + 1) * BATCH)
        for key, array in state_dict(alone).items():
            array[...] = state_dict(network)[key]
        alone.rng.bit_generator.state = network.rng.bit_generator.state
        loss, grads = parallel.loss_and_gradient(x[batch], t[batch])
        alone_loss, alone_grads = alone.loss_and_gradient(x[batch], t[batch])
        loss_error = max(loss_error, abs(loss - alone_loss) / alone_loss)
        largest = max(float(np.linalg.norm(g)) for g in alone_grads.values())
        gradient_error = max(gradient_error, *(
            float(np.linalg.norm(grads[k] - alone_grads[k])) / largest if k in cancelled
            else relative(grads[k], alone_grads[k]) for k in grads))
        optimizer.update(network.params, grads)
    accuracy = (parallel.accuracy(x, t), network.accuracy(x, t))
    digest = hashlib.sha256(b"".join(a.tobytes() for a in state_dict(network).values())).hexdigest()
    digests = comm.comm.gather(digest, root=0)
    if comm.is_root:
        with open(out, "w") as f:
            json.dump({"ranks": comm.size, "loss_error": loss_error,
                       "gradient_error": gradient_error, "accuracy": accuracy,
                       "distinct_weights": len(set(digests))}, f)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3])
