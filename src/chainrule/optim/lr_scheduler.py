"""Learning-rate schedules, as ``torch.optim.lr_scheduler``: call ``scheduler.step()`` once per epoch (or per
batch for OneCycleLR), after ``optimizer.step()``.

Every schedule here is computed in closed form from the base learning rates and the step count
(``last_epoch``), so it can be resumed exactly from ``state_dict()``; the values equal PyTorch's (which
updates recursively) up to rounding. A schedule writes ``group['lr']`` of each parameter group; changing
``lr`` by hand is overwritten at the next ``step()``.
"""
from __future__ import annotations

import bisect
import copy
import math

from .._validate import check_int, check_number, integer
from ..errors import CheckpointError, ConfigError
from .optimizer import Optimizer

__all__ = ["LRScheduler", "StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "LinearLR", "LambdaLR",
           "SequentialLR", "OneCycleLR", "ReduceLROnPlateau"]


class LRScheduler:
    """Base class: subclasses define :meth:`_lr_at` (the learning rate of group ``i`` at step ``epoch``)."""

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
        self._last_lr = [group["lr"] for group in optimizer.param_groups]
        self.step()

    def _lr_at(self, i: int, base_lr: float, epoch: int) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

    def get_lr(self) -> list:
        """The learning rates for the current ``last_epoch``."""
        return [self._lr_at(i, base, self.last_epoch) for i, base in enumerate(self.base_lrs)]

    def _apply(self):
        lrs = self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, lrs):
            group["lr"] = lr
        self._last_lr = list(lrs)

    def step(self) -> None:
        """Advance one step (epoch) and set the optimizer's learning rates."""
        self.last_epoch += 1
        self._apply()

    def _restart(self, epoch: int = 0) -> None:
        """Jump to ``epoch`` (SequentialLR starts each schedule at 0 at its milestone)."""
        self.last_epoch = epoch
        self._apply()

    def get_last_lr(self) -> list:
        """The learning rates set by the last ``step()``, one per parameter group."""
        return list(self._last_lr)

    def state_dict(self) -> dict:
        """Everything but the optimizer (and callables): numbers and lists, JSON-able."""
        return {k: copy.deepcopy(v) for k, v in self.__dict__.items() if k not in self._not_saved()}

    def _not_saved(self):
        return ("optimizer",)

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore what :meth:`state_dict` saved (does not touch the optimizer's current learning rates)."""
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
        """Why the state just loaded cannot schedule the next step (None if it can): one learning rate per
        group, each a finite number. Schedules without a closed form of their own (OneCycleLR, SequentialLR)
        check nothing here."""
        if not isinstance(self.last_epoch, int) or self.last_epoch < -1:
            return f"last_epoch {self.last_epoch!r} is not a step count"
        if len(self.base_lrs) != len(self.optimizer.param_groups):
            return f"{len(self.base_lrs)} base learning rates for {len(self.optimizer.param_groups)} parameter groups"
        try:
            lrs = [self._lr_at(i, base, self.last_epoch + 1) for i, base in enumerate(self.base_lrs)]
        except NotImplementedError:
            return None
        except (ArithmeticError, TypeError, ValueError, IndexError, KeyError) as e:
            return f"the next learning rate cannot be computed ({type(e).__name__}: {e})"
        bad = [lr for lr in lrs if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not math.isfinite(lr)]
        return f"the next learning rate would be {bad[0]!r}" if bad else None

    def __repr__(self):
        return f"{type(self).__name__}(last_epoch={self.last_epoch}, last_lr={self._last_lr})"


def _milestones(milestones, owner) -> list:
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


class StepLR(LRScheduler):
    """``lr = base_lr * gamma ** (epoch // step_size)``: decay by ``gamma`` every ``step_size`` epochs."""

    def __init__(self, optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1):
        check_int("step_size", step_size, 1, "StepLR")
        check_number("gamma", gamma, low=0, owner="StepLR")
        self.step_size, self.gamma = step_size, gamma
        super().__init__(optimizer, last_epoch)

    def _lr_at(self, i, base_lr, epoch):
        return base_lr * self.gamma ** (epoch // self.step_size)


class MultiStepLR(LRScheduler):
    """``lr = base_lr * gamma ** (number of milestones <= epoch)``."""

    def __init__(self, optimizer, milestones, gamma: float = 0.1, last_epoch: int = -1):
        self.milestones = sorted(_milestones(milestones, "MultiStepLR"))
        check_number("gamma", gamma, low=0, owner="MultiStepLR")
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def _lr_at(self, i, base_lr, epoch):
        return base_lr * self.gamma ** bisect.bisect_right(self.milestones, epoch)


class ExponentialLR(LRScheduler):
    """``lr = base_lr * gamma ** epoch``."""

    def __init__(self, optimizer, gamma: float, last_epoch: int = -1):
        check_number("gamma", gamma, low=0, owner="ExponentialLR")
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def _lr_at(self, i, base_lr, epoch):
        return base_lr * self.gamma ** epoch


class CosineAnnealingLR(LRScheduler):
    """``lr = eta_min + (base_lr - eta_min) (1 + cos(pi epoch / T_max)) / 2``: half a cosine over ``T_max`` epochs."""

    def __init__(self, optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1):
        check_int("T_max", T_max, 1, "CosineAnnealingLR")
        check_number("eta_min", eta_min, low=0, owner="CosineAnnealingLR")
        self.T_max, self.eta_min = T_max, eta_min
        super().__init__(optimizer, last_epoch)

    def _lr_at(self, i, base_lr, epoch):
        return self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(math.pi * epoch / self.T_max)) / 2


class LinearLR(LRScheduler):
    """Linear warm-up (or decay) of the factor from ``start_factor`` to ``end_factor`` over ``total_iters`` steps.

    ``lr = base_lr * (start + (end - start) * min(epoch, total_iters) / total_iters)``.
    """

    def __init__(self, optimizer, start_factor: float = 1.0 / 3, end_factor: float = 1.0, total_iters: int = 5,
                 last_epoch: int = -1):
        check_number("start_factor", start_factor, low=0, high=1, low_open=True, owner="LinearLR")
        check_number("end_factor", end_factor, low=0, high=1, owner="LinearLR")
        check_int("total_iters", total_iters, 1, "LinearLR")
        self.start_factor, self.end_factor, self.total_iters = start_factor, end_factor, total_iters
        super().__init__(optimizer, last_epoch)

    def _lr_at(self, i, base_lr, epoch):
        frac = min(epoch, self.total_iters) / self.total_iters
        return base_lr * (self.start_factor + (self.end_factor - self.start_factor) * frac)


class LambdaLR(LRScheduler):
    """``lr = base_lr * lr_lambda(epoch)`` (one function, or one per group). The functions are not saved."""

    def __init__(self, optimizer, lr_lambda, last_epoch: int = -1):
        n = len(optimizer.param_groups)
        if isinstance(lr_lambda, (list, tuple)):
            if len(lr_lambda) != n:
                raise ConfigError(f"LambdaLR: expected {n} lr_lambdas (one per group), got {len(lr_lambda)}.")
            self.lr_lambdas = list(lr_lambda)
        else:
            self.lr_lambdas = [lr_lambda] * n
        for f in self.lr_lambdas:
            if not callable(f):
                raise ConfigError(f"LambdaLR: lr_lambda must be a function of the step (e.g. lambda e: 0.95 ** e), "
                                  f"got {type(f).__name__}.")
        super().__init__(optimizer, last_epoch)

    def _not_saved(self):
        return ("optimizer", "lr_lambdas")

    def _lr_at(self, i, base_lr, epoch):
        return base_lr * self.lr_lambdas[i](epoch)


class SequentialLR(LRScheduler):
    """Run ``schedulers[0]`` until ``milestones[0]``, then ``schedulers[1]`` from its step 0, and so on.

    The usual warm-up then cosine: ``SequentialLR(opt, [LinearLR(opt, 0.1, total_iters=5),
    CosineAnnealingLR(opt, T_max=95)], milestones=[5])``.
    """

    def __init__(self, optimizer, schedulers, milestones, last_epoch: int = -1):
        schedulers = list(schedulers)
        if not schedulers:
            raise ConfigError("SequentialLR: expects at least one scheduler.")
        for i, s in enumerate(schedulers):
            if not isinstance(s, LRScheduler) or isinstance(s, SequentialLR):
                raise ConfigError(f"SequentialLR: schedulers[{i}] must be a (non-sequential) LRScheduler.")
            if s.optimizer is not optimizer:
                raise ConfigError(f"SequentialLR: schedulers[{i}] belongs to a different optimizer.")
        milestones = _milestones(milestones, "SequentialLR")
        if len(milestones) != len(schedulers) - 1:
            raise ConfigError(f"SequentialLR: expects {len(schedulers) - 1} milestones for {len(schedulers)} "
                              f"schedulers, got {len(milestones)}.")
        if milestones != sorted(milestones):
            raise ConfigError(f"SequentialLR: milestones must be increasing, got {milestones}.")
        self.optimizer = optimizer
        self._schedulers = schedulers
        self._milestones = milestones
        self.last_epoch = last_epoch + 1
        for group in optimizer.param_groups:            # undo the first step each schedule took on creation
            group["lr"] = group["initial_lr"]
        for s in schedulers:
            s.last_epoch -= 1
        schedulers[0].step()
        self.base_lrs = list(schedulers[0].base_lrs)
        self._last_lr = schedulers[0].get_last_lr()

    def step(self) -> None:
        self.last_epoch += 1
        idx = bisect.bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[idx]
        if idx > 0 and self._milestones[idx - 1] == self.last_epoch:
            scheduler._restart(0)
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()

    def get_lr(self) -> list:
        return self.get_last_lr()

    def _not_saved(self):
        return ("optimizer", "_schedulers")

    def state_dict(self) -> dict:
        state = super().state_dict()
        state["_schedulers"] = [s.state_dict() for s in self._schedulers]
        return state

    def load_state_dict(self, state_dict: dict) -> None:
        state_dict = dict(state_dict)
        subs = state_dict.pop("_schedulers", None)
        if subs is None or len(subs) != len(self._schedulers):
            raise CheckpointError(f"SequentialLR.load_state_dict: expected {len(self._schedulers)} sub-scheduler "
                                  f"states.")
        super().load_state_dict(state_dict)
        for s, sd in zip(self._schedulers, subs):
            s.load_state_dict(sd)


class OneCycleLR(LRScheduler):
    """The 1cycle policy (Smith), as ``torch.optim.lr_scheduler.OneCycleLR``; step it after every batch.

    The learning rate rises from ``max_lr / div_factor`` to ``max_lr`` over ``pct_start`` of the
    ``total_steps``, then anneals to ``initial_lr / final_div_factor`` (cosine or linear); with
    ``cycle_momentum`` the momentum (or Adam's beta1) moves the opposite way between ``base_momentum`` and
    ``max_momentum``. ``three_phase=True`` adds a symmetric descent back to the initial rate before the final
    annealing.
    """

    def __init__(self, optimizer, max_lr, total_steps: int | None = None, epochs: int | None = None,
                 steps_per_epoch: int | None = None, pct_start: float = 0.3, anneal_strategy: str = "cos",
                 cycle_momentum: bool = True, base_momentum=0.85, max_momentum=0.95, div_factor: float = 25.0,
                 final_div_factor: float = 1e4, three_phase: bool = False, last_epoch: int = -1):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"OneCycleLR: {type(optimizer).__name__} is not a chainrule Optimizer.")
        if total_steps is None:
            if epochs is None or steps_per_epoch is None:
                raise ConfigError("OneCycleLR: give total_steps, or both epochs and steps_per_epoch.")
            check_int("epochs", epochs, 1, "OneCycleLR")
            check_int("steps_per_epoch", steps_per_epoch, 1, "OneCycleLR")
            total_steps = epochs * steps_per_epoch
        check_int("total_steps", total_steps, 1, "OneCycleLR")
        check_number("pct_start", pct_start, low=0, high=1, owner="OneCycleLR")
        if anneal_strategy not in ("cos", "linear"):
            raise ConfigError(f"OneCycleLR: anneal_strategy must be 'cos' or 'linear', got {anneal_strategy!r}.")
        self.total_steps = total_steps
        self.anneal_strategy = anneal_strategy
        self.cycle_momentum = cycle_momentum
        if three_phase:
            self._phases = [
                {"end_step": float(pct_start * total_steps) - 1, "start_lr": "initial_lr", "end_lr": "max_lr",
                 "start_momentum": "max_momentum", "end_momentum": "base_momentum"},
                {"end_step": float(2 * pct_start * total_steps) - 2, "start_lr": "max_lr", "end_lr": "initial_lr",
                 "start_momentum": "base_momentum", "end_momentum": "max_momentum"},
                {"end_step": total_steps - 1, "start_lr": "initial_lr", "end_lr": "min_lr",
                 "start_momentum": "max_momentum", "end_momentum": "max_momentum"},
            ]
        else:
            self._phases = [
                {"end_step": float(pct_start * total_steps) - 1, "start_lr": "initial_lr", "end_lr": "max_lr",
                 "start_momentum": "max_momentum", "end_momentum": "base_momentum"},
                {"end_step": total_steps - 1, "start_lr": "max_lr", "end_lr": "min_lr",
                 "start_momentum": "base_momentum", "end_momentum": "max_momentum"},
            ]
        check_number("div_factor", div_factor, low=0, low_open=True, owner="OneCycleLR")
        check_number("final_div_factor", final_div_factor, low=0, low_open=True, owner="OneCycleLR")
        groups = optimizer.param_groups
        max_lrs = self._per_group("max_lr", max_lr, len(groups))
        for lr in max_lrs:
            check_number("max_lr", lr, low=0, low_open=True, owner="OneCycleLR")
        if last_epoch == -1:
            for lr, group in zip(max_lrs, groups):
                group["initial_lr"] = lr / div_factor
                group["lr"] = group["initial_lr"]
                group["max_lr"] = lr
                group["min_lr"] = group["initial_lr"] / final_div_factor
        if cycle_momentum:
            if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
                raise ConfigError("OneCycleLR: the optimizer has neither momentum nor betas; pass "
                                  "cycle_momentum=False.")
            self.use_beta1 = "betas" in optimizer.defaults
            max_ms = self._per_group("max_momentum", max_momentum, len(groups))
            base_ms = self._per_group("base_momentum", base_momentum, len(groups))
            for m in max_ms + base_ms:
                check_number("momentum (base_momentum, max_momentum)", m, low=0, high=1, high_open=True,
                             owner="OneCycleLR")
            if last_epoch == -1:
                for m_max, m_base, group in zip(max_ms, base_ms, groups):
                    if self.use_beta1:
                        group["betas"] = (m_max, *group["betas"][1:])
                    else:
                        group["momentum"] = m_max
                    group["max_momentum"] = m_max
                    group["base_momentum"] = m_base
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _per_group(name, value, n):
        if isinstance(value, (list, tuple)):
            if len(value) != n:
                raise ConfigError(f"OneCycleLR: expected {n} values of {name} (one per group), got {len(value)}.")
            return list(value)
        return [value] * n

    def _anneal(self, start, end, pct):
        if self.anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def get_lr(self) -> list:
        step = self.last_epoch
        if step > self.total_steps:
            raise ConfigError(f"OneCycleLR: tried to step {step} times; total_steps is {self.total_steps}.")
        lrs = []
        for group in self.optimizer.param_groups:
            start_step = 0.0
            for i, phase in enumerate(self._phases):
                end_step = phase["end_step"]
                if step <= end_step or i == len(self._phases) - 1:
                    pct = (step - start_step) / (end_step - start_step)
                    lr = self._anneal(group[phase["start_lr"]], group[phase["end_lr"]], pct)
                    if self.cycle_momentum:
                        momentum = self._anneal(group[phase["start_momentum"]], group[phase["end_momentum"]], pct)
                    break
                start_step = phase["end_step"]
            lrs.append(lr)
            if self.cycle_momentum:
                if self.use_beta1:
                    group["betas"] = (momentum, *group["betas"][1:])
                else:
                    group["momentum"] = momentum
        return lrs


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

    def step(self, metrics) -> None:
        """Record one value of the monitored metric (a number or a one-element tensor)."""
        current = float(metrics)
        self.last_epoch += 1
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
