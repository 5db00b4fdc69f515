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

from zerodl.distributed.communicator import Communicator, cores_per_rank, mpiexec, world
from zerodl.distributed.data_parallel import DataParallel, share_of
from zerodl.distributed.trainer import DistributedTrainer

__all__ = ["Communicator", "DataParallel", "DistributedTrainer", "cores_per_rank", "mpiexec",
           "share_of", "world"]
