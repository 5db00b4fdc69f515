"""The Trainer over all the ranks: rank 0 writes and shows, every rank stops at the same step."""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path

from zerodl.distributed.communicator import Communicator, world
from zerodl.distributed.data_parallel import DataParallel
from zerodl.errors import DivergenceError, ZerodlError
from zerodl.run_folder import CHECKPOINT_NAME
from zerodl.trainer import Progress, Trainer, TrainingInterrupted


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
