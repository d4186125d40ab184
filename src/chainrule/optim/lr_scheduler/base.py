"""LRScheduler, the base class, as ``torch.optim.lr_scheduler.LRScheduler`` in PyTorch 2.13, and the argument
checks the schedules share.

``step()`` advances ``last_epoch`` and writes ``group['lr']`` of every parameter group from :meth:`get_lr`,
which most schedules compute *recursively* from the group's current ``lr``, as PyTorch does (so schedules
chain: two of them on one optimizer multiply their factors, and a change of ``lr`` by hand is kept).
``step(epoch)`` (deprecated in PyTorch, warned about here too) jumps to ``epoch`` with the closed form where
the schedule has one. Resuming needs the optimizer's state (its ``lr``) and the scheduler's.
"""
from __future__ import annotations

import copy
import math
import warnings

from ..._validate import integer
from ...errors import CheckpointError, ConfigError
from ..optimizer import Optimizer

__all__ = ["LRScheduler"]

EPOCH_DEPRECATION_WARNING = (
    "The epoch parameter in `scheduler.step()` was not necessary and is being deprecated where possible. Please "
    "use `scheduler.step()` to step the scheduler. During the deprecation, if epoch is different from None, the "
    "closed form is used instead of the new chainable form, where available.")


class LRScheduler:
    """Base class: subclasses define :meth:`get_lr` (the learning rates at ``last_epoch``, usually from the
    current ones) and, where there is one, ``_get_closed_form_lr`` (from ``base_lrs``)."""

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(self).__name__}: {type(optimizer).__name__} is not a chainrule Optimizer.")
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(f"param 'initial_lr' is not specified in param_groups[{i}] when resuming a "
                                   f"schedule (last_epoch={last_epoch}); load the optimizer's state dict first.")
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._initial_step()

    def _initial_step(self) -> None:
        """Count steps from zero and take the first one (it sets the learning rates of step 0)."""
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def get_lr(self) -> list:  # pragma: no cover - abstract
        """The learning rates for the current ``last_epoch`` (called by :meth:`step`; use :meth:`get_last_lr`)."""
        raise NotImplementedError

    def _warn_outside_step(self):
        if not self._get_lr_called_within_step:
            warnings.warn("To get the last learning rate computed by the scheduler, please use `get_last_lr()`.",
                          UserWarning, stacklevel=3)

    _get_lr_called_within_step = False
    _is_initial = False

    def step(self, epoch: int | None = None) -> None:
        """Advance one step (or, deprecated, jump to ``epoch``) and set the optimizer's learning rates."""
        self._step_count += 1
        if epoch is not None:
            warnings.warn(EPOCH_DEPRECATION_WARNING, UserWarning, stacklevel=2)
        self._update_lr(epoch)

    def _update_lr(self, epoch: int | None = None) -> None:
        self._get_lr_called_within_step = True
        try:
            if epoch is None:
                self.last_epoch += 1
                values = self.get_lr()
            else:
                self.last_epoch = epoch
                closed = getattr(self, "_get_closed_form_lr", None)
                values = closed() if closed is not None else self.get_lr()
        finally:
            self._get_lr_called_within_step = False
        for group, lr in zip(self.optimizer.param_groups, values):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self) -> list:
        """The learning rates set by the last ``step()``, one per parameter group."""
        return list(self._last_lr)

    # --- state -------------------------------------------------------------------------------------------
    def state_dict(self) -> dict:
        """Every attribute but the optimizer, as PyTorch's (functions are left out: numbers and lists, JSON-able)."""
        return {k: copy.deepcopy(v) for k, v in self.__dict__.items() if k not in self._not_saved()}

    def _not_saved(self):
        return ("optimizer",)

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore what :meth:`state_dict` saved (the optimizer's learning rates come from its own state dict)."""
        name = type(self).__name__
        if not isinstance(state_dict, dict):
            raise CheckpointError(f"{name}.load_state_dict: expected a dict, got {type(state_dict).__name__}.")
        current = self.state_dict()
        unknown = set(state_dict) - set(current)
        if unknown:
            raise CheckpointError(f"{name}.load_state_dict: unknown entries {sorted(unknown)}; "
                                  f"is this another kind of scheduler's state?")
        for key, value in state_dict.items():
            if not _same_kind(current[key], value):
                raise CheckpointError(f"{name}.load_state_dict: {key!r} is {value!r}, but this scheduler holds "
                                      f"a value of type {type(current[key]).__name__} there; the state is corrupt.")
        before = dict(self.__dict__)
        self.__dict__.update(copy.deepcopy(state_dict))
        problem = self._loaded_problem()
        if problem:
            self.__dict__.clear()
            self.__dict__.update(before)
            raise CheckpointError(f"{name}.load_state_dict: {problem}; the state is corrupt.")

    def _loaded_problem(self):
        """Why the state just loaded cannot schedule the next step (None if it can)."""
        if isinstance(self.last_epoch, bool) or not isinstance(self.last_epoch, int) or self.last_epoch < -1:
            return f"last_epoch {self.last_epoch!r} is not a step count"
        if len(self.base_lrs) != len(self.optimizer.param_groups):
            return f"{len(self.base_lrs)} base learning rates for {len(self.optimizer.param_groups)} parameter groups"
        bad = [lr for lr in self.base_lrs if not _finite(lr)]
        return f"a base learning rate is {bad[0]!r}" if bad else None

    def __repr__(self):
        return f"{type(self).__name__}(last_epoch={self.last_epoch}, last_lr={self._last_lr})"


def _finite(value) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value)


def per_group(name, value, optimizer, owner) -> list:
    """One value per parameter group: ``value`` repeated, or a list/tuple of that length (else ConfigError)."""
    n = len(optimizer.param_groups)
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ConfigError(f"{owner}: {name} must have the same length as optimizer.param_groups ({n}), got "
                              f"{len(value)} values.")
        return list(value)
    return [value] * n


def milestone_list(milestones, owner) -> list:
    """A list of step numbers >= 0 (integral floats allowed), or a ConfigError."""
    if isinstance(milestones, (str, bytes)) or not hasattr(milestones, "__iter__"):
        raise ConfigError(f"{owner}: milestones must be a list of step numbers, got {milestones!r}.")
    out = []
    for m in milestones:
        n = integer(m)
        if n is None or n < 0:
            raise ConfigError(f"{owner}: milestones must be integers >= 0, got {m!r} in {list(milestones)}.")
        out.append(n)
    return out


def lr_functions(lr_lambda, optimizer, owner) -> list:
    """One callable per parameter group (``lr_lambda`` or a list of them), as LambdaLR and MultiplicativeLR take."""
    functions = per_group("lr_lambda", lr_lambda, optimizer, owner)
    for f in functions:
        if not callable(f):
            raise TypeError(f"{owner}: lr_lambda should be a function of the step (e.g. lambda e: 0.95 ** e), but "
                            f"got {type(f).__name__}.")
    return functions


def functions_state(functions) -> list:
    """PyTorch's saved form of ``lr_lambdas``: None for a plain function, a callable object's ``__dict__``."""
    import types
    return [None if isinstance(f, types.FunctionType) or not hasattr(f, "__dict__") else copy.deepcopy(f.__dict__)
            for f in functions]


def _same_kind(mine, theirs) -> bool:
    """Whether a saved value can stand where this scheduler holds ``mine`` (numbers for numbers, lists for
    lists and tuples, dicts for dicts, as after a JSON round trip); anything goes where ``mine`` is None."""
    if mine is None:
        return True
    if isinstance(mine, bool):
        return isinstance(theirs, bool)
    if isinstance(mine, (int, float)):
        return isinstance(theirs, (int, float)) and not isinstance(theirs, bool)
    if isinstance(mine, (list, tuple)):
        return isinstance(theirs, (list, tuple)) and (not mine or all(_same_kind(mine[0], b) for b in theirs))
    if isinstance(mine, dict):
        return isinstance(theirs, dict)
    return isinstance(theirs, type(mine))
