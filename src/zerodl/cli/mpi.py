"""Running a command on every rank of an MPI job: `mpiexec -n 4 zerodl train --distributed`.

mpiexec starts the same command N times. Each rank runs the whole command; rank 0 alone
writes to stdout (the others' stdout goes nowhere, so that a summary is printed once), and
each rank gets its share of its host's cores for BLAS and zerodl's threads, unless the
environment already sets them.

Errors come in two kinds. One that every rank raises at the same point (a mistake that rank 0
found and sent to all, a loss that became NaN in the reduced loss that all ranks see, a stop
they agreed on: Communicator.shared_failure) is reported once, by rank 0, and every rank ends
normally with the command's exit status. Any other error is one rank's alone, while the others
wait for it in their next allreduce, for ever: that rank reports it with its number and ends
the whole job through MPI_Abort, with the same exit status (2 for a mistake, 130 for an
interrupt, 1 for a bug, with its traceback).
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
import traceback
from collections.abc import Callable

from threadpoolctl import threadpool_limits

from zerodl.distributed import Communicator, cores_per_rank
from zerodl.errors import ZerodlError
from zerodl.trainer import TrainingInterrupted

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
# how long a failing rank gives its last words to reach mpiexec before it ends the job
ABORT_GRACE_S = 1.0


@contextlib.contextmanager
def _share_of_cores(comm: Communicator):
    """Limit BLAS's and zerodl's threads to this rank's share of its host's cores, where the
    environment leaves them unset (then the user's choice stands)."""
    threads = cores_per_rank(comm)
    limits = (contextlib.nullcontext() if any(v in os.environ for v in THREAD_VARIABLES)
              else threadpool_limits(limits=threads, user_api="blas"))
    set_zerodl = "ZERODL_NUM_THREADS" not in os.environ
    if set_zerodl:
        os.environ["ZERODL_NUM_THREADS"] = str(threads)
    try:
        with limits:
            yield
    finally:
        if set_zerodl:
            os.environ.pop("ZERODL_NUM_THREADS", None)


def _exit_status(error: BaseException) -> int:
    if isinstance(error, (TrainingInterrupted, KeyboardInterrupt)):
        return 130
    return 2 if isinstance(error, (ZerodlError, ValueError, OSError)) else 1


def _report(error: BaseException, who: str) -> None:
    """One line about `error` on stderr (and a traceback for a bug), as zerodl.cli.main does."""
    status = _exit_status(error)
    if status == 130:
        print(f"zerodl: {who}{error or 'interrupted'}", file=sys.stderr)
    elif status == 2:
        text = str(error).strip()
        line = text.splitlines()[0] if text else type(error).__name__
        print(f"zerodl: {who}{line}" if isinstance(error, ZerodlError) else
              f"zerodl: {who}error: {line}", file=sys.stderr)
    else:
        print(f"zerodl: {who}failed:", file=sys.stderr)
        traceback.print_exception(error)
    sys.stderr.flush()


def run_on_ranks(comm: Communicator, body: Callable[[], int]) -> int:
    """Run a command's body on this rank; an error that this rank meets alone ends every rank."""
    try:
        with contextlib.ExitStack() as stack:
            if not comm.is_root:
                devnull = stack.enter_context(open(os.devnull, "w"))
                stack.enter_context(contextlib.redirect_stdout(devnull))
            stack.enter_context(_share_of_cores(comm))
            return body()
    except BaseException as e:
        if e is comm.shared_failure:
            if comm.is_root:
                _report(e, "")
            return _exit_status(e)
        _report(e, f"rank {comm.rank} of {comm.size}: " if comm.size > 1 else "")
        # The process manager forwards a rank's stderr from a pipe, and on a busy host it can
        # act on the abort first and kill the rank with its message still in that pipe
        time.sleep(ABORT_GRACE_S)
        comm.abort(_exit_status(e))
        # MPICH's abort can return before the process manager ends this process: nothing more
        # may run here, least of all MPI_Finalize at exit, which would wait for the other ranks
        os._exit(_exit_status(e))
