"""Data-parallel training on MPI: one process per rank, the same model everywhere, one Allreduce per step.

Every rank holds a full copy of the model. Rank 0's initial weights are broadcast to all
(`broadcast_parameters`); each global batch is cut into equal slices, one per rank (`shard_loader`, or
``DataLoader(num_shards=world_size(), shard_index=rank())``); each rank runs forward and backward on
its slice; then `DistributedOptimizer` copies every gradient into one flat preallocated buffer, sums the
buffers of all ranks with a single in-place ``Allreduce``, divides by the number of ranks and lets the
wrapped optimizer step. Every rank applies the same update to the same weights, so the weights stay
identical without ever being sent again (`check_in_sync` verifies it).

Why the mean of the ranks' gradients is the single-process gradient: with a mean-reduced loss,
``L = (1/B) sum_i l_i = (1/W) sum_r (W/B) sum_{i in shard r} l_i = (1/W) sum_r L_r`` when every shard
holds ``B/W`` samples, and the gradient is linear. Shards of unequal size (a short last batch) need
weights ``n_r / B`` instead of ``1/W``: pass ``step(num_samples=n_r)`` and the buffer carries them.

::

    import chainrule as cr
    from chainrule import distributed as dist

    dist.init()                                     # a plain process is rank 0 of 1; no MPI needed
    model = cr.nn.MLP(2, [100], 3)
    opt = dist.wrap(model, cr.optim.SGD(model.parameters(), lr=1.0), loader)   # broadcast, shard, wrap
    for X, y in loader:                             # this rank's slice of each global batch
        loss = cr.nn.functional.cross_entropy(model(cr.Tensor(X)), y)
        opt.zero_grad()
        loss.backward()
        opt.step(num_samples=len(y))                # one Allreduce, then the same update on every rank

Launch with ``mpiexec -n 4 python train.py`` (or ``mpiexec -n 4 chainrule train ...``). mpi4py is an
optional extra (``pip install chainrule[mpi]``), imported only when the process was started by an MPI
launcher; see docs/distributed.md.
"""
from __future__ import annotations

from .collectives import all_reduce, broadcast, broadcast_parameters, check_in_sync
from .command import command
from .cost import allreduce_bytes_per_rank, estimate_allreduce_seconds
from .optimizer import DistributedOptimizer, wrap
from .sharding import check_batch_size, shard_loader
from .world import (BatchSplitError, DistributedError, MPIUnavailableError, abort, barrier, init, is_initialized,
                    is_main, rank, world_size)

__all__ = [
    "DistributedError", "MPIUnavailableError", "BatchSplitError",
    "init", "is_initialized", "rank", "world_size", "is_main", "barrier", "abort", "command",
    "all_reduce", "broadcast", "broadcast_parameters", "check_in_sync", "check_batch_size", "shard_loader",
    "DistributedOptimizer", "wrap", "allreduce_bytes_per_rank", "estimate_allreduce_seconds",
]
