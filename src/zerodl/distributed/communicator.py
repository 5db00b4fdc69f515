"""The ranks of an MPI job and the collective operations that data-parallel training needs;
mpi4py is imported only here, when a Communicator is made."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import numpy as np

from zerodl.backend import get_array_module, to_numpy
from zerodl.errors import ZerodlError

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
        # optional: pip install 'zerodl[cluster]'
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
        # optional: pip install 'zerodl[cluster]'
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

    def barrier(self) -> None:
        """Wait until every rank has come here."""
        self.comm.Barrier()

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


def cores_per_rank(comm: Communicator) -> int:
    """This host's cores shared evenly among the ranks that run on it (at least one each)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, cores // comm.ranks_on_this_host())
