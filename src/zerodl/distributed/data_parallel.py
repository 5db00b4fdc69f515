"""One network over the ranks: each rank computes its share of the global batch, and the sums
that make the shares one batch (gradients, BatchNormalization's statistics, Dropout's draws,
the counts of correct answers) are allreduced."""

from __future__ import annotations

import numpy as np

from zerodl.backend import get_array_module, to_numpy
from zerodl.distributed.communicator import Communicator
from zerodl.io import state_dict
from zerodl.layers import BatchNormalization, Dropout
from zerodl.layers.norm import BatchSums


def share_of(rows: int, rank: int, ranks: int) -> slice:
    """The rows of a global batch of `rows` that `rank` of `ranks` computes: consecutive, in rank
    order, the shares' sizes differing by at most one (rows 0-33, 34-66, 67-99 of 100 on 3)."""
    return slice(rows * rank // ranks, rows * (rank + 1) // ranks)


class GlobalBatchSums(BatchSums):
    """Sums over the rows of the global batch, for BatchNormalization.

    The data's sums (for the mean and the variance) add up the ranks' partial sums. The
    gradients' sums need one more step: each rank's upstream gradient is that of its own mean
    loss, 1/n_r per sample, whereas the global batch's loss weighs every sample by 1/n. So a
    rank's partial sum is weighted by n_r / n before the allreduce (giving the sum for the
    global loss) and divided by it after (back to this rank's scale, in which the gradients of
    the layers below are computed and then averaged with the same weights)."""

    def __init__(self, parallel: DataParallel) -> None:
        self.parallel = parallel

    def rows(self, rows: int) -> int:
        return int(round(self.parallel.comm.sum(rows)))

    def of_data(self, values: np.ndarray) -> np.ndarray:
        return self.parallel.comm.sum_(values.sum(axis=0))

    def of_gradients(self, values: np.ndarray) -> np.ndarray:
        weight = values.dtype.type(self.parallel.weight)
        return self.parallel.comm.sum_(values.sum(axis=0) * weight) / weight


class GlobalBatchDraws:
    """A Dropout layer's generator, drawing for the global batch: each draw is made for all n
    rows of the global batch, and this rank keeps its own rows. Every rank's generator thus
    advances as one process's would, and the masks are those of one process."""

    def __init__(self, rng: np.random.Generator, parallel: DataParallel) -> None:
        self.rng, self.parallel = rng, parallel

    def random(self, shape, dtype=np.float64):
        share = self.parallel.share
        return self.rng.random((self.parallel.rows, *shape[1:]), dtype=dtype)[share]


class DataParallel:
    """A network whose loss_and_gradient and accuracy run over all ranks; everything else is the
    wrapped network's (params, buffers, config, predict, ...), so that a Trainer, save_model and
    checkpoints treat it as the network itself.

    Given a global batch, loss_and_gradient computes this rank's share and returns the loss and
    gradients of the whole batch, the same on every rank. The network's BatchNormalization and
    Dropout layers are switched to the global batch's sums and draws, for good: wrap a network once.
    """

    def __init__(self, network, comm: Communicator) -> None:
        self.network, self.comm = network, comm
        # the global batch being computed: its number of rows, this rank's rows and their weight
        self.rows, self.share, self.weight = 0, slice(0, 0), 1.0
        self._buffer: np.ndarray | None = None
        for layer in getattr(network, "layers", {}).values():
            if isinstance(layer, BatchNormalization):
                layer.sums = GlobalBatchSums(self)
            elif isinstance(layer, Dropout):
                layer.rng = GlobalBatchDraws(layer.rng, self)

    def __getattr__(self, name: str):
        # only called for what DataParallel itself does not have
        return getattr(self.network, name)

    def _take(self, rows: int) -> slice:
        """Make a global batch of `rows` current, and return this rank's rows of it."""
        if rows < self.comm.size:
            raise ValueError(f"a batch of {rows} samples cannot be shared by {self.comm.size} ranks:"
                             " every rank needs at least one")
        self.rows, self.share = rows, share_of(rows, self.comm.rank, self.comm.size)
        self.weight = (self.share.stop - self.share.start) / rows
        return self.share

    def loss_and_gradient(self, x, t) -> tuple[float, dict]:
        """The loss and gradients of the global batch (x, t), the same on every rank."""
        share = self._take(len(x))
        loss, grads = self.network.loss_and_gradient(x[share], t[share])
        keys = list(self.network.params)
        # one allreduce per step: every gradient and the loss, side by side in one buffer
        if self._buffer is None:
            dtype = np.result_type(*(grads[k].dtype for k in keys))
            self._buffer = np.empty(sum(grads[k].size for k in keys) + 1, dtype=dtype)
        buffer, weight, start = self._buffer, self._buffer.dtype.type(self.weight), 0
        for key in keys:
            size = grads[key].size
            np.multiply(to_numpy(grads[key]).ravel(), weight, out=buffer[start:start + size])
            start += size
        buffer[-1] = loss * self.weight
        self.comm.sum_(buffer)
        xp, reduced, start = get_array_module(grads[keys[0]]), {}, 0
        for key in keys:
            size = grads[key].size
            reduced[key] = xp.asarray(buffer[start:start + size].reshape(grads[key].shape))
            start += size
        return float(buffer[-1]), reduced

    def gradient(self, x, t) -> dict:
        return self.loss_and_gradient(x, t)[1]

    def loss(self, x, t, train_flg: bool | None = None) -> float:
        """The mean loss over (x, t), computed in shares."""
        share = self._take(len(x))
        return self.comm.sum(self.network.loss(x[share], t[share], train_flg) * self.weight)

    def accuracy(self, x, t, batch_size: int = 256) -> float:
        """The fraction of (x, t) classified right, each rank counting its share."""
        share = share_of(len(x), self.comm.rank, self.comm.size)
        rows = share.stop - share.start
        correct = round(self.network.accuracy(x[share], t[share], batch_size) * rows) if rows else 0
        return self.comm.sum(correct) / len(x)

    def broadcast_state(self) -> None:
        """Give every rank rank 0's weights, buffers and generator."""
        for array in state_dict(self.network).values():
            self.comm.broadcast_(array)
        if hasattr(self.network, "rng"):
            self.network.rng.bit_generator.state = self.comm.broadcast(
                self.network.rng.bit_generator.state)

    def allreduced_bytes(self) -> dict[str, int]:
        """Bytes that each rank sends into allreduces per training step: the gradients with the
        loss, and BatchNormalization's sums (four per layer: two forward, two backward, each the
        width of the layer, plus the forward's row count as a float64)."""
        params = self.network.params
        grads = (sum(p.size for p in params.values()) + 1) * np.dtype(self.network.dtype).itemsize
        batchnorm = sum(4 * layer.gamma.nbytes + 8 for layer in self.network.layers.values()
                        if isinstance(layer, BatchNormalization))
        return {"gradients": grads, "batchnorm": batchnorm}

    def allreduces_per_step(self) -> int:
        """Allreduces per training step, each paying the latency once: the gradients' one, and
        five per BatchNormalization layer (the row count and two sums forward, two backward)."""
        return 1 + 5 * sum(isinstance(layer, BatchNormalization)
                           for layer in self.network.layers.values())
