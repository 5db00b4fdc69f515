"""Data-parallel training over MPI: one network trained by several processes, on one host or many.

The scheme is ChainerMN's, with one rule on top: a run over N ranks computes what the
single-process run computes, up to float rounding. Every rank holds the whole network and the
whole training set, and draws the same permutation of it from the same seed; each global batch
of `mini_batch_size` samples is cut into N consecutive shares, one per rank (sizes differing by
at most one). For each step:

- each rank computes the loss and the gradients of its share (means over its n_r samples);
- one allreduce sums the gradients and the loss, each weighted by n_r / n, which is exactly the
  mean over the global batch of n samples (an unweighted average would overweight the ranks with
  the smaller shares, as the last batch of an epoch may have);
- every rank applies the same update to the same weights, so the weights never drift apart and
  are never sent; the optimizer is the ordinary one.

What would make the shares differ from the global batch is synchronised as well:

- BatchNormalization normalises with the statistics of the global batch: its sums over the rows
  (the mean, then the variance, and in backward the two sums that couple the samples) are
  allreduced, so that its output and its running averages are those of one process;
- Dropout draws the mask of the whole global batch from the shared generator, and each rank keeps
  its rows, so that every rank's generator stays in step with the others (and with a checkpoint);
- evaluation splits the data among the ranks and sums their counts of correct answers.

At the start, rank 0's weights, buffers and generators are broadcast, so that a network built
without a seed trains as well. Only rank 0 writes the run folder (checkpoints, model, history)
and shows progress. A resumed run reads rank 0's checkpoint on every rank (sent over MPI, so no
shared file system is needed). The arithmetic does not depend on the number of ranks, so a run
may be resumed on another number of ranks, or in one process.

Why not a fixed shard of the data per rank (ChainerMN's scatter_dataset)? Then each rank's batch
would be drawn from its shard, and which samples meet in a batch would depend on the number of
ranks: the run could no longer be the single-process run. Here only rank 0 needs the dataset's
files: the command line loads it there and broadcasts it (Communicator.from_root).

mpi4py and an MPI library (the `mpich` wheel provides one, and `mpiexec`) are the optional extra
`zerodl[cluster]`; they are imported only by world().
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import numpy as np

from zerodl.backend import get_array_module, to_numpy
from zerodl.errors import DivergenceError, ZerodlError
from zerodl.io import state_dict
from zerodl.layers import BatchNormalization, Dropout
from zerodl.run_folder import CHECKPOINT_NAME
from zerodl.trainer import Progress, Trainer, TrainingInterrupted

T = TypeVar("T")
ROOT = 0


def mpiexec() -> str:
    """The mpiexec that starts this Python's ranks: the one installed beside it (the `mpich`
    wheel's), else the first on PATH."""
    beside = Path(sys.executable).with_name("mpiexec")
    found = str(beside) if beside.is_file() else shutil.which("mpiexec")
    if found is None:
        raise ZerodlError("no mpiexec found beside this Python or on PATH: pip install"
                          " 'zerodl[cluster]' (its mpich wheel provides one)")
    return found


def world() -> Communicator:
    """All the processes of this MPI job (every rank started by one mpiexec)."""
    try:
        from mpi4py import MPI
    except ImportError:
        raise ZerodlError("distributed training needs mpi4py and an MPI library:"
                          " pip install 'zerodl[cluster]'") from None
    return Communicator(MPI.COMM_WORLD)


class Communicator:
    """The ranks of an MPI communicator, with the collective operations that data-parallel
    training needs. Every method is collective: all ranks call it, in the same order.

    `shared_failure` is the error that every rank raised at the same point, when the last error
    was one (a mistake found on rank 0 and sent to all, a loss that became NaN, an agreed stop):
    then the ranks can end normally together. Any other error is one rank's alone, and the
    others are waiting for it in a collective operation: only an abort ends them.
    """

    def __init__(self, comm) -> None:
        from mpi4py import MPI

        self.comm, self._mpi = comm, MPI
        self.rank, self.size = comm.Get_rank(), comm.Get_size()
        self.shared_failure: BaseException | None = None

    @property
    def is_root(self) -> bool:
        return self.rank == ROOT

    def ranks_on_this_host(self) -> int:
        """How many ranks of this communicator share this host's cores."""
        local = self.comm.Split_type(self._mpi.COMM_TYPE_SHARED)
        try:
            return local.Get_size()
        finally:
            local.Free()

    def sum_(self, buffer: np.ndarray) -> np.ndarray:
        """Replace `buffer` by its elementwise sum over all ranks, in place, and return it.

        Every rank receives the same bits: MPI's reduction algorithms combine the same partial
        sums in the same grouping for all ranks, which is what keeps their weights identical.
        A GPU array travels through host memory (the `mpich` wheel is not CUDA-aware)."""
        if get_array_module(buffer) is not np:
            host = to_numpy(buffer)
            self.comm.Allreduce(self._mpi.IN_PLACE, host)
            buffer[...] = get_array_module(buffer).asarray(host)
        else:
            self.comm.Allreduce(self._mpi.IN_PLACE, buffer)
        return buffer

    def sum(self, value: float) -> float:
        """The sum of a number over all ranks."""
        return float(self.sum_(np.array([value], dtype=np.float64))[0])

    def any(self, flag: bool) -> bool:
        """True on every rank when `flag` is true on any."""
        return self.sum(1.0 if flag else 0.0) > 0

    def broadcast_(self, array: np.ndarray) -> None:
        """Overwrite `array` on every rank with rank 0's, in place."""
        host = to_numpy(array)
        self.comm.Bcast(host, root=ROOT)
        if host is not array:
            array[...] = get_array_module(array).asarray(host)

    def broadcast(self, value: T) -> T:
        """Rank 0's `value` (any picklable object) on every rank. Pickle is safe here: the bytes
        come from a rank of this same job, never from a file or a peer outside it."""
        return self.comm.bcast(value, root=ROOT)

    def from_root(self, fn: Callable[[], T]) -> T:
        """fn() computed on rank 0 and its result broadcast; if fn raises there, every rank raises
        that exception, so that a mistake found on rank 0 (a missing dataset, say) ends all
        ranks together instead of leaving the others waiting for a result."""
        outcome: tuple[bool, object] = (True, None)
        if self.is_root:
            try:
                outcome = (True, fn())
            except Exception as e:
                outcome = (False, e)
        ok, value = self.broadcast(outcome)
        if not ok:
            self.shared_failure = value
            raise value
        return value

    def agree(self, error: Exception | None) -> None:
        """Raise on every rank if any rank met an error here: its own error on a rank that met
        one, a ZerodlError naming the first failing rank on the others."""
        first = self.comm.allreduce(self.rank if error is not None else self.size,
                                    op=self._mpi.MIN)
        if first < self.size:
            self.shared_failure = error or ZerodlError(f"rank {first} of {self.size} failed")
            raise self.shared_failure

    def abort(self, code: int) -> None:
        """End every rank of the job at once with exit status `code` (MPI_Abort). Only the
        command line calls it: a rank that fails alone would otherwise leave the others waiting
        in their next collective operation for ever."""
        self.comm.Abort(code)


def share_of(rows: int, rank: int, ranks: int) -> slice:
    """The rows of a global batch of `rows` that `rank` of `ranks` computes: consecutive, in rank
    order, the shares' sizes differing by at most one (rows 0-33, 34-66, 67-99 of 100 on 3)."""
    return slice(rows * rank // ranks, rows * (rank + 1) // ranks)


class GlobalBatchSums:
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


class GlobalBatchNormalization(BatchNormalization):
    """BatchNormalization whose training statistics are those of the global batch.

    A prototype of a hook for zerodl.layers.norm (see the report of issue #20): the training
    branch of forward and backward as there, with every sum over the batch's rows taken through
    `self.sums`. Once BatchNormalization itself sums through a `sums` object (whose default sums
    the rows it was given), this class goes, and DataParallel only sets `layer.sums`.
    """

    sums: GlobalBatchSums

    def forward(self, x: np.ndarray, train_flg: bool = True) -> np.ndarray:
        if not train_flg:
            return super().forward(x, train_flg)
        if x.ndim not in (2, 4) or x.shape[1] != self.gamma.shape[0]:
            raise ValueError(f"BatchNormalization with {self.gamma.shape[0]} features/channels got"
                             f" input of shape {x.shape}; expected (N, D) or (N, C, H, W)")
        self.input_shape = x.shape
        x2 = self._to_2d(x)
        # two passes, as in one process: the variance of the centred values, never E[x^2] - mu^2
        n = self.sums.rows(x2.shape[0])
        mu = self.sums.of_data(x2) / x2.dtype.type(n)
        xc = x2 - mu
        var = self.sums.of_data(xc**2) / x2.dtype.type(n)
        std = get_array_module(x).sqrt(var + self.eps)
        self.batch_size, self.xc, self.std = n, xc, std
        self.xn = xc / std
        self.running_mean[...] = self.momentum * self.running_mean + (1 - self.momentum) * mu
        self.running_var[...] = self.momentum * self.running_var + (1 - self.momentum) * var
        return self._from_2d(self.gamma * self.xn + self.beta, x.shape)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        if self.batch_size is None:  # after an inference forward nothing was summed: constants
            return super().backward(dout)
        d2 = self._to_2d(dout)
        # gamma's and beta's gradients stay partial: they are averaged with the others
        self.dbeta = d2.sum(axis=0)
        self.dgamma = (self.xn * d2).sum(axis=0)
        dxn = self.gamma * d2
        dxc = dxn / self.std
        dstd = -self.sums.of_gradients((dxn * self.xc) / (self.std * self.std))
        dvar = 0.5 * dstd / self.std
        dxc = dxc + (2.0 / self.batch_size) * self.xc * dvar
        dmu = self.sums.of_gradients(dxc)
        dx = dxc - dmu / self.batch_size
        return self._from_2d(dx, self.input_shape)


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
    Dropout layers are switched to their global-batch versions, for good: wrap a network once.
    """

    def __init__(self, network, comm: Communicator) -> None:
        self.network, self.comm = network, comm
        # the global batch being computed: its number of rows, this rank's rows and their weight
        self.rows, self.share, self.weight = 0, slice(0, 0), 1.0
        self._buffer: np.ndarray | None = None
        for layer in getattr(network, "layers", {}).values():
            if isinstance(layer, BatchNormalization):
                # prototype: becomes `layer.sums = GlobalBatchSums(self)` with the hook in norm.py
                layer.__class__ = GlobalBatchNormalization
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


class DistributedTrainer(Trainer):
    """A Trainer whose every step runs over all the ranks of `comm` (default: world()).

    Called on every rank with the same arguments: the same network architecture, the same
    whole training and test data, the same seed and the same global mini_batch_size, which
    each step cuts into the ranks' shares. Rank 0 keeps out_dir and the progress display; the
    other ranks write nothing and show nothing. Options are those of Trainer, by keyword.
    """

    def __init__(self, network, x_train, t_train, x_test, t_test, *,
                 comm: Communicator | None = None, **options) -> None:
        self.comm = comm if comm is not None else world()
        if not self.comm.is_root:
            options.update(out_dir=None, progress=Progress())
        super().__init__(DataParallel(network, self.comm), x_train, t_train, x_test, t_test,
                         **options)
        last = len(self.x_train) - (self.iter_per_epoch - 1) * self.batch_size
        if min(self.batch_size, last) < self.comm.size:
            raise ValueError(f"the global batch of {self.batch_size} samples (the last of each epoch:"
                             f" {last}) cannot be shared by {self.comm.size} ranks: every rank needs"
                             " at least one sample; choose a batch size that leaves one for each")
        self._checkpoint_copy: Path | None = None

    @property
    def checkpoint_path(self) -> Path:
        # the other ranks resume from their copy of rank 0's checkpoint
        if self._checkpoint_copy is not None:
            return self._checkpoint_copy
        return super().checkpoint_path

    def train(self, resume: bool = False) -> dict:
        """Train over all ranks; with resume, every rank continues from rank 0's checkpoint."""
        with contextlib.ExitStack() as stack:
            if resume:
                data = self.comm.from_root(lambda: Path(super(DistributedTrainer, self)
                                                        .checkpoint_path).read_bytes())
                if not self.comm.is_root:
                    folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="zerodl-rank-"))
                    self._checkpoint_copy = Path(folder) / CHECKPOINT_NAME
                    self._checkpoint_copy.write_bytes(data)
            else:
                self.network.broadcast_state()
                self.rng.bit_generator.state = self.comm.broadcast(self.rng.bit_generator.state)
            try:
                return super().train(resume)
            except TrainingInterrupted as e:
                self.comm.shared_failure = e  # raised by all ranks after the agreed step
                raise
            finally:
                self._checkpoint_copy = None

    def load_checkpoint(self, path) -> None:
        # every rank reads the same bytes, so that all accept them or all refuse them together
        error = None
        try:
            super().load_checkpoint(path)
        except ZerodlError as e:
            error = e
        self.comm.agree(error)

    def _train_step(self) -> None:
        try:
            super()._train_step()
        except DivergenceError as e:
            # every rank sees the same reduced loss, and stops at this same step
            self.comm.shared_failure = e
            raise
        # Ctrl-C reaches the ranks at slightly different moments: they stop at the same step,
        # or one would wait for ever in the next step's allreduce
        self._stop_requested = self.comm.any(self._stop_requested)


def cores_per_rank(comm: Communicator) -> int:
    """This host's cores shared evenly among the ranks that run on it (at least one each)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, cores // comm.ranks_on_this_host())
