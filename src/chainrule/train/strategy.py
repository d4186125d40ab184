"""How the `Trainer`'s steps are combined across processes: the loop asks its strategy, never "am I distributed?".

A strategy takes each optimizer step and returns the step's statistics as every process agrees on them::

    loss, correct, count, stop = strategy.step(optimizer, loss, correct, count, stop)

`SingleProcess` steps the optimizer and hands the numbers back. `DataParallel` (MPI, `chainrule.distributed`)
sums the gradients and the numbers over the ranks in one Allreduce, so every rank sees the global batch's
loss and accuracy and stops together; rank 0 alone writes (``writes``). `default_strategy` picks
`DataParallel` for a `DistributedOptimizer`, else `SingleProcess`.
"""
from __future__ import annotations

import math

from .. import distributed


class SingleProcess:
    """One process: the optimizer's own step; this process writes, and a loss is judged where it is computed."""

    distributed = False
    writes = True

    def diverged_here(self, loss: float) -> bool:
        """Is this process's loss already reason to stop (before its backward pass)?"""
        return not math.isfinite(loss)

    def step(self, optimizer, loss: float, correct: int, count: int, stop: bool):
        optimizer.step()
        return loss, correct, count, stop

    def stopping(self, stop: bool) -> bool:
        """Stop now, given this process's own stop request?"""
        return stop


class DataParallel:
    """MPI data parallel: the optimizer is a `chainrule.distributed.DistributedOptimizer`, and one Allreduce per
    step carries the gradients and this rank's loss sum, correct count, sample count and stop flag.

    A rank's loss alone decides nothing (a NaN on one rank would leave the others waiting): the summed loss
    does, on every rank alike, after the step; so does a stop request (a signal to any rank stops all).
    """

    distributed = True

    def __init__(self):
        self.writes = distributed.is_main()
        self.agreed_stop = False

    def diverged_here(self, loss: float) -> bool:
        return False

    def step(self, optimizer, loss: float, correct: int, count: int, stop: bool):
        optimizer.step(num_samples=count, stats=(loss * count if count else 0.0, correct, count, stop))
        loss_sum, correct, count, stops = optimizer.stats
        self.agreed_stop = stops > 0
        return loss_sum / count, int(correct), int(count), self.agreed_stop

    def stopping(self, stop: bool) -> bool:
        return self.agreed_stop


def default_strategy(optimizer):
    """`DataParallel` for a `DistributedOptimizer` (see `chainrule.distributed.wrap`), else `SingleProcess`."""
    return DataParallel() if isinstance(optimizer, distributed.DistributedOptimizer) else SingleProcess()
