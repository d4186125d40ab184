"""Schedules made of schedules, as in PyTorch 2.13: SequentialLR (one after the other, at milestones) and
ChainedScheduler (all at once, their factors multiplied)."""
from __future__ import annotations

import bisect

from ...errors import CheckpointError, ConfigError
from .base import LRScheduler, milestone_list
from .plateau import ReduceLROnPlateau

__all__ = ["SequentialLR", "ChainedScheduler"]


def _check_members(owner, optimizer, schedulers):
    if not schedulers:
        raise ConfigError(f"{owner}: expects at least one scheduler.")
    for i, s in enumerate(schedulers):
        if not hasattr(s, "optimizer"):
            raise TypeError(f"{owner}: schedulers[{i}] should have `optimizer` as its attribute.")
        if isinstance(s, ReduceLROnPlateau):
            raise ConfigError(f"{owner}: schedulers[{i}] is a ReduceLROnPlateau, which needs a metric at each step; "
                              f"it cannot be combined.")
        if s.optimizer is not optimizer:
            raise ConfigError(f"{owner}: schedulers[{i}] belongs to a different optimizer.")


class _Composite(LRScheduler):
    """State: the composite's own attributes plus each member's state dict under ``_schedulers``."""

    def _not_saved(self):
        return ("optimizer", "_schedulers")

    def state_dict(self) -> dict:
        state = super().state_dict()
        state["_schedulers"] = [s.state_dict() for s in self._schedulers]
        return state

    def load_state_dict(self, state_dict: dict) -> None:
        state_dict = dict(state_dict)
        subs = state_dict.pop("_schedulers", None)
        if not isinstance(subs, list) or len(subs) != len(self._schedulers):
            raise CheckpointError(f"{type(self).__name__}.load_state_dict: expected {len(self._schedulers)} "
                                  f"sub-scheduler states.")
        super().load_state_dict(state_dict)
        for s, sd in zip(self._schedulers, subs):
            s.load_state_dict(sd)

    def _loaded_problem(self):
        return None


class SequentialLR(_Composite):
    """Run ``schedulers[0]`` until ``milestones[0]``, then ``schedulers[1]`` from its step 0, and so on.

    The usual warm-up then cosine: ``SequentialLR(opt, [LinearLR(opt, 0.1, total_iters=5),
    CosineAnnealingLR(opt, T_max=95)], milestones=[5])``. At a milestone the next schedule restarts from its
    closed form at step 0.
    """

    def __init__(self, optimizer, schedulers, milestones, last_epoch: int = -1):
        schedulers = list(schedulers)
        _check_members("SequentialLR", optimizer, schedulers)
        milestones = milestone_list(milestones, "SequentialLR")
        if len(milestones) != len(schedulers) - 1:
            raise ConfigError(f"SequentialLR: expects {len(schedulers) - 1} milestones for {len(schedulers)} "
                              f"schedulers, got {len(milestones)}.")
        if milestones != sorted(milestones):
            raise ConfigError(f"SequentialLR: milestones must be increasing, got {milestones}.")
        self._schedulers = schedulers
        self._milestones = milestones
        self.last_epoch = last_epoch + 1
        self.optimizer = optimizer
        for group in optimizer.param_groups:            # undo the first step each schedule took on creation
            group["lr"] = group["initial_lr"]
        self._undo(self)
        idx = bisect.bisect_right(milestones, 0)
        schedulers[idx]._initial_step()
        self._last_lr = schedulers[idx].get_last_lr()

    @classmethod
    def _undo(cls, scheduler):
        for s in scheduler._schedulers:
            if hasattr(s, "_schedulers"):
                cls._undo(s)
            elif hasattr(s, "last_epoch"):
                s.last_epoch -= 1

    def step(self) -> None:
        self.last_epoch += 1
        idx = bisect.bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[idx]
        if idx > 0 and self._milestones[idx - 1] == self.last_epoch:
            scheduler._update_lr(0)
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()


class ChainedScheduler(_Composite):
    """Step every scheduler of ``schedulers`` at each ``step()``: their (recursive) factors multiply, e.g.
    ``ChainedScheduler([ConstantLR(opt, 0.1, total_iters=2), ExponentialLR(opt, 0.9)])``."""

    def __init__(self, schedulers, optimizer=None):
        schedulers = list(schedulers)
        if not schedulers:
            raise ConfigError("ChainedScheduler: expects at least one scheduler to be chained.")
        optimizer = optimizer or schedulers[0].optimizer
        _check_members("ChainedScheduler", optimizer, schedulers)
        self._schedulers = schedulers
        self.optimizer = optimizer
        self._last_lr = [group["lr"] for group in optimizer.param_groups]

    def step(self) -> None:
        for scheduler in self._schedulers:
            scheduler.step()
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]
