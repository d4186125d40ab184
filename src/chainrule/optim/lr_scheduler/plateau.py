"""ReduceLROnPlateau, as ``torch.optim.lr_scheduler.ReduceLROnPlateau``: the schedule driven by a metric."""
from __future__ import annotations

import math
import warnings

from ..._validate import check_int, check_number
from ...errors import ConfigError
from ..optimizer import Optimizer
from .base import EPOCH_DEPRECATION_WARNING, LRScheduler

__all__ = ["ReduceLROnPlateau"]


class ReduceLROnPlateau(LRScheduler):
    """Multiply the learning rates by ``factor`` once a metric has stopped improving for ``patience`` steps.

    Call ``scheduler.step(metric)`` after each evaluation (e.g. the validation loss with ``mode='min'``, the
    accuracy with ``mode='max'``). A value improves on the best one by more than ``threshold`` (relative to
    it with ``threshold_mode='rel'``, absolute with ``'abs'``); after a reduction, ``cooldown`` steps are not
    counted. Learning rates never go below ``min_lr`` (a number or one per group), and changes smaller than
    ``eps`` are skipped. PyTorch's algorithm, step for step; unlike the other schedules it is not a closed form
    of the step count, since it depends on the metrics seen.
    """

    def __init__(self, optimizer, mode: str = "min", factor: float = 0.1, patience: int = 10,
                 threshold: float = 1e-4, threshold_mode: str = "rel", cooldown: int = 0, min_lr=0, eps: float = 1e-8):
        owner = "ReduceLROnPlateau"
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{owner}: {type(optimizer).__name__} is not a chainrule Optimizer.")
        if mode not in ("min", "max"):
            raise ConfigError(f"{owner}: mode must be 'min' or 'max', got {mode!r}.")
        if threshold_mode not in ("rel", "abs"):
            raise ConfigError(f"{owner}: threshold_mode must be 'rel' or 'abs', got {threshold_mode!r}.")
        check_number("factor", factor, low=0, high=1, high_open=True, owner=owner)
        check_number("threshold", threshold, low=0, owner=owner)
        check_number("eps", eps, low=0, owner=owner)
        check_int("patience", patience, 0, owner)
        check_int("cooldown", cooldown, 0, owner)
        groups = len(optimizer.param_groups)
        min_lrs = list(min_lr) if isinstance(min_lr, (list, tuple)) else [min_lr] * groups
        if len(min_lrs) != groups:
            raise ConfigError(f"{owner}: expected {groups} min_lrs (one per parameter group), got {len(min_lrs)}.")
        for m in min_lrs:
            check_number("min_lr", m, low=0, owner=owner)
        self.optimizer = optimizer
        self.mode, self.factor, self.patience, self.cooldown = mode, factor, patience, cooldown
        self.threshold, self.threshold_mode, self.eps = threshold, threshold_mode, eps
        self.min_lrs = min_lrs
        self.last_epoch = 0
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs = 0
        self.cooldown_counter = 0
        self._last_lr = [group["lr"] for group in optimizer.param_groups]

    @property
    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0

    def _is_better(self, value: float) -> bool:
        best, t = self.best, self.threshold
        if self.mode == "min":
            return value < (best * (1 - t) if self.threshold_mode == "rel" else best - t)
        return value > (best * (1 + t) if self.threshold_mode == "rel" else best + t)

    def step(self, metrics, epoch=None) -> None:
        """Record one value of the monitored metric (a number or a one-element tensor); ``epoch`` (deprecated,
        warned about as in PyTorch) sets ``last_epoch``."""
        current = float(metrics)
        if epoch is not None:
            warnings.warn(EPOCH_DEPRECATION_WARNING, UserWarning, stacklevel=2)
        self.last_epoch = self.last_epoch + 1 if epoch is None else epoch
        if self._is_better(current):
            self.best, self.num_bad_epochs = current, 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0               # bad steps during the cooldown do not count
        if self.num_bad_epochs > self.patience:
            for group, floor in zip(self.optimizer.param_groups, self.min_lrs):
                old = float(group["lr"])
                new = max(old * self.factor, floor)
                if old - new > self.eps:
                    group["lr"] = new
            self.cooldown_counter, self.num_bad_epochs = self.cooldown, 0
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_lr(self) -> list:
        return list(self._last_lr)

    def _loaded_problem(self):
        if not isinstance(self.last_epoch, int) or self.last_epoch < 0:
            return f"last_epoch {self.last_epoch!r} is not a step count"
        if len(self.min_lrs) != len(self.optimizer.param_groups):
            return f"{len(self.min_lrs)} min_lrs for {len(self.optimizer.param_groups)} parameter groups"
        if self.mode not in ("min", "max") or self.threshold_mode not in ("rel", "abs"):
            return f"mode {self.mode!r} / threshold_mode {self.threshold_mode!r} is unknown"
        counts = (self.num_bad_epochs, self.cooldown_counter, self.patience, self.cooldown)
        if any(isinstance(c, bool) or not isinstance(c, int) or c < 0 for c in counts):
            return f"the counters {counts} must be integers >= 0"
        return None
